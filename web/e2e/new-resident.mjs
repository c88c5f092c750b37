// 新しく見守る方を登録 (issue 22 item 5): in the field, with no network, the commissioner registers a
// person they noticed; the list shows them 承認待ち and 未送信. Back online the record reaches the
// server; the district lead sees them on 今日の確認 with what was noticed and approves; the
// commissioner's list then shows them as any other resident.
import { login, readyInTheField, reload, run, startServer, stopServer, tablet, waitFor, waitSent, origin } from "./lib.mjs"

run(async () => {
  await startServer()
  const comm = await tablet("commissioner")
  await readyInTheField(comm.page)

  await stopServer() // the snow: no network
  await comm.page.goto(`${origin}/#/new`)
  await comm.page.getByLabel("氏名").fill("新規 発見")
  await comm.page.getByLabel("ふりがな").fill("しんき はっけん")
  await comm.page.getByLabel("住所").fill("旭川市神楽岡9条9丁目")
  await comm.page.getByLabel("気づいたこと").fill("雪かきがされていない。一人暮らしらしい")
  await comm.page.getByRole("button", { name: "登録する" }).click()
  const registered = await comm.page.getByTestId("registered").innerText()
  const row = comm.page.getByTestId("resident").filter({ hasText: "新規 発見" })
  const offlineRow = await row.innerText()

  await startServer()
  await waitSent(comm.page, 30_000)

  const lead = await tablet("lead")
  await login(lead.page, "lead-a")
  const approvals = lead.page.getByTestId("home-approvals")
  const approvalsText = await waitFor(
    "the new resident at the lead",
    async () => ((await approvals.count()) ? approvals.innerText() : null),
    60_000,
    1000,
  ).catch(async () => {
    await reload(lead.page)
    return approvals.innerText({ timeout: 30_000 })
  })
  await approvals.getByRole("button", { name: "承認する" }).click()
  const approved = await lead.page.getByTestId("approved").innerText()

  await reload(comm.page)
  const afterRow = await waitFor(
    "承認待ち gone on the tablet",
    async () => {
      const t = await row.innerText()
      return t.includes("承認待ち") ? null : t
    },
    60_000,
    1000,
  )
  return { registered, offlineRow, approvalsText, approved, afterRow }
})
