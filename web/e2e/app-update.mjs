// A new version of the app reaches a tablet in the field (issue 23 item 1): offline, the commissioner
// records two calls and leaves a record half written; the server comes back serving a new build
// (its sw.js differs by a comment). Back online the records are sent, the bar says a new version is
// ready and the records stay, and nothing reloads while the record form is open; on the list the page
// takes the new version by itself, and after the PIN the half-written record is still there and
// nothing is unsent.
import { cp, readFile, writeFile, mkdtemp } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { cfg, origin, readyInTheField, recordContact, reload, run, startServer, statusText, stopServer, tablet, unlock, waitFor, waitSent } from "./lib.mjs"

const MEMO = "更新のあいだの書きかけ（試験）"

run(async () => {
  const rid = cfg.residents.rA1
  await startServer()
  const { page } = await tablet("commissioner")
  await readyInTheField(page)
  const timeOrigin = () => page.evaluate(() => performance.timeOrigin)
  await stopServer()
  await reload(page)
  await page.getByText("試験 花子").waitFor()
  for (const note of ["更新前の電話 1（試験）", "更新前の電話 2（試験）"]) {
    await recordContact(page, rid, { kind: "電話", outcome: "応答なし", note })
  }
  await waitFor("未送信 2件", async () => (await statusText(page)) === "未送信 2件")
  // Half written, and the form left open.
  await page.goto(`${origin}/#/r/${rid}/record`)
  await page.getByRole("heading", { name: /^記録する/ }).waitFor()
  await page.getByTestId("kind").getByRole("radio", { name: "訪問" }).click()
  await page.getByLabel("メモ").fill(MEMO)

  // The new build: the same app, its service worker changed by one comment.
  const dir = await mkdtemp(join(tmpdir(), "mimamori-newbuild-"))
  await cp(cfg.webDir, dir, { recursive: true })
  const sw = join(dir, "sw.js")
  await writeFile(sw, (await readFile(sw, "utf8")) + "\n// a new build\n")
  cfg.webDir = dir
  await startServer()
  await waitSent(page, 30_000)
  await page.getByTestId("update-bar").waitFor({ timeout: 30_000 })
  const bar = await page.getByTestId("update-bar").innerText()
  const beforeNav = await timeOrigin()
  // On the form it waits: 12 s without a touch (the auto-update idle is 10 s), still the same page.
  await page.waitForTimeout(12_000)
  const reloadedOnForm = (await timeOrigin()) !== beforeNav
  const memoKept = (await page.getByLabel("メモ").inputValue()) === MEMO

  // To the list: the page takes the new version by itself (after 10 s without a touch).
  await page.goto(`${origin}/#/`)
  await waitFor("the page reloaded into the new version", async () => (await timeOrigin().catch(() => beforeNav)) !== beforeNav, 30_000)
  await unlock(page)
  await page.getByText("試験 花子").waitFor()
  await waitSent(page, 30_000)
  const statusAfter = await statusText(page)
  const bareAfter = (await page.getByTestId("update-bar").count()) === 0
  await page.goto(`${origin}/#/r/${rid}/record`)
  await page.getByRole("heading", { name: /^記録する/ }).waitFor()
  await waitFor("the draft read", async () => (await page.locator("form.record").getAttribute("data-draft")) !== "reading")
  const draftAfter = await page.getByLabel("メモ").inputValue()
  return { bar, reloadedOnForm, memoKept, statusAfter, bareAfter, draftAfter, memo: MEMO }
})
