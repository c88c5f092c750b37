// 安否 before the city's declaration (issue 23 leftover): the earthquake comes and the signal goes
// with it, so no declaration reaches the tablet. From the home screen the commissioner starts
// 安否確認 anyway, reports their own safety and 花子 支援が必要, all offline; the signal returns and
// the records are sent; the office declares the disaster: the records count for it — in the
// office's counts and on the tablet's 安否 list of the declaration — and the self-started screen
// points to the declared one.
import { axe, cfg, officeLogin, origin, readyInTheField, reload, run, startServer, statusText, stopServer, tablet, waitFor, waitSent } from "./lib.mjs"

run(async () => {
  await startServer()
  const a11y = {}
  const { page } = await tablet("commissioner")
  await readyInTheField(page)
  await page.getByTestId("disaster-start").waitFor()
  const start = await page.getByTestId("disaster-start").innerText()

  // The signal goes; the tablet is opened again without it.
  await stopServer()
  await reload(page)
  await page.getByRole("link", { name: "安否確認を始める" }).click()
  await page.getByTestId("self-check").waitFor()
  const localHint = await page.getByTestId("local-mode").innerText()
  a11y.localList = await axe(page, "localList")
  await page.getByRole("button", { name: "無事", exact: true }).click()
  await page.getByTestId("self-status").waitFor()
  await page.getByTestId("safety-row").filter({ hasText: "試験 花子" }).getByRole("link").click()
  await page.getByRole("radio", { name: "支援が必要" }).click()
  await page.getByRole("button", { name: "保存する" }).click()
  await page.getByText("保存しました").waitFor()
  const rowsOffline = await page.getByTestId("safety-row").allInnerTexts()
  await waitFor("未送信 2件", async () => (await statusText(page)) === "未送信 2件")
  const unsentOffline = await statusText(page)

  // The signal returns: both records are sent, with no disaster yet.
  await startServer()
  await waitSent(page, 30_000)

  // The office declares the earthquake for 神楽岡, as having happened a little earlier.
  const { page: office } = await tablet("office")
  await officeLogin(office, "staff")
  const declared = await office.request.post(`${origin}/api/staff/disasters`, {
    headers: { Origin: origin },
    data: { kind: "earthquake", districts: [cfg.districts.a], occurred_at: Date.now() - 20 * 60_000 },
  })
  const disaster = await declared.json()
  if (!declared.ok()) throw new Error(`declaring: ${declared.status()} ${JSON.stringify(disaster)}`)
  const counts = await (await office.request.get(`${origin}/api/staff/disasters/${disaster.id}/counts`)).json()

  // The tablet hears of it at its next start, still on the self-started screen: it points to the
  // declared one, whose 安否確認 holds what was recorded; the home screen no longer offers to start.
  await reload(page)
  await page.getByTestId("disaster-band").waitFor()
  await page.getByTestId("local-declared").waitFor()
  const pointer = await page.getByTestId("local-declared").innerText()
  await page.getByRole("link", { name: "災害モードの安否確認へ" }).click()
  await page.getByTestId("self-status").waitFor()
  const selfDeclared = await page.getByTestId("self-status").innerText()
  const rowsDeclared = await page.getByTestId("safety-row").allInnerTexts()
  await page.goto(`${origin}/#/`)
  await page.getByRole("heading", { name: "わたしの見守り" }).waitFor()
  const homeStartAfter = await page.getByTestId("disaster-start").count()
  return { start, localHint, rowsOffline, unsentOffline, disaster, counts, homeStartAfter, selfDeclared, rowsDeclared, pointer, axe: a11y }
})
