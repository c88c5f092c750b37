// 活動記録 and overdue, from the district lead's side: a commissioner's visit is counted in the
// month's report, the report prints on one A4 page and downloads as CSV that Excel opens (BOM), and
// the lead sees who is overdue, per commissioner.
import {
  cfg,
  login,
  origin,
  readyInTheField,
  recordContact,
  run,
  startServer,
  statusText,
  stopServer,
  tablet,
  waitFor,
  waitSent,
} from "./lib.mjs"

run(async () => {
  await startServer()
  const comm = await tablet("commissioner")
  await readyInTheField(comm.page)
  // A visit with a consultation (分野 高齢者): counted under 相談・支援 only because it says so.
  await recordContact(comm.page, cfg.residents.rA1, { kind: "訪問", outcome: "会えた", allOk: true, fields: ["高齢者"] })
  await waitSent(comm.page)

  // The commissioner's own activities, recorded with the server down: kept on the tablet (未送信),
  // sent when it is back, counted in the month's 活動記録; the note stays theirs.
  await waitFor("the activity log on the tablet", () => comm.page.evaluate(() => !!window.mimamori.get().activityLog?.doc))
  await stopServer()
  await comm.page.goto(`${origin}/#/`)
  await comm.page.getByRole("link", { name: "わたしの活動を記録" }).click()
  const kinds = ["関係機関との連絡調整", "定例会・研修（民児協運営・研修）"]
  for (const [i, kind] of kinds.entries()) {
    await comm.page.getByRole("radio", { name: kind }).click()
    await comm.page.getByLabel("メモ（なくてもよい）").fill("地域包括支援センターに相談した件")
    await comm.page.getByRole("button", { name: "記録する" }).click()
    await comm.page.getByTestId("activity").nth(i).waitFor()
  }
  // A wrong tap, taken back before it was ever sent: it leaves the list and is never counted.
  await comm.page.getByRole("radio", { name: "証明事務" }).click()
  await comm.page.getByRole("button", { name: "記録する" }).click()
  await comm.page.getByTestId("activity").nth(2).waitFor()
  comm.page.once("dialog", d => d.accept())
  await comm.page.getByTestId("activity").filter({ hasText: "証明事務" }).getByRole("button", { name: "取り消す" }).click()
  await waitFor("the mistaken entry gone", async () => (await comm.page.getByTestId("activity").count()) === 2)
  const offlineActivities = await comm.page.getByTestId("activities").innerText()
  const offlineStatus = await statusText(comm.page)
  await startServer()
  await waitSent(comm.page, 30_000)
  const sentActivities = await comm.page.getByTestId("activities").innerText()

  const lead = await tablet("lead")
  const { page } = lead
  await login(page, "lead-a")
  // The lead's すべての対象者 page: contacts per week (this week's bar last) as an SVG chart.
  await page.getByRole("link", { name: "すべての対象者" }).click()
  const weeks = page.getByTestId("chart-weeks")
  await weeks.waitFor()
  const weekBars = await weeks.locator("g[data-week]").count()
  const thisWeek = await weeks.locator("g[data-week]").last().getAttribute("data-count")
  const weeksLabel = await weeks.getAttribute("aria-label")
  await page.goto(`${origin}/#/`)
  await page.getByRole("link", { name: "活動記録（月）" }).click()
  const table = page.getByTestId("activity")
  await table.waitFor()
  const header = await table.locator("thead").innerText()
  const visits = await table.locator("tr", { hasText: "訪問回数" }).innerText()
  const elderly = await table.locator("tr", { hasText: "分野: 高齢者" }).innerText()
  const liaison = await table.locator("tr", { hasText: "連絡調整回数" }).innerText()
  const council = await table.locator("tr", { hasText: "その他: 民児協運営・研修" }).innerText()
  const certificates = await table.locator("tr", { hasText: "その他: 証明事務" }).innerText()
  const leadSeesNote = (await page.locator("main").innerText()).includes("地域包括支援センター")
  const csvHref = await page.getByTestId("csv").getAttribute("href")
  const csv = await page.request.get(`${origin}${csvHref}`)
  const csvBytes = await csv.body()

  await page.emulateMedia({ media: "print" })
  const statusWhenPrinting = await page.locator(".status").isVisible()
  const pdf = await page.pdf({ format: "A4", printBackground: true })
  const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length
  await page.emulateMedia({ media: "screen" })

  await page.goto(`${origin}/#/overdue`)
  await page.getByTestId("overdue-group").first().waitFor()
  const overdue = await page.locator("main").innerText()
  // Snow today, marked by the lead: whoever has not been seen since comes first, marked so.
  await page.getByRole("button", { name: "降雪日として記録（地区）" }).click()
  await page.getByTestId("after-snow").first().waitFor()
  const afterSnow = await page.locator("main").innerText()
  return {
    header,
    visits,
    elderly,
    liaison,
    council,
    certificates,
    leadSeesNote,
    offlineActivities,
    offlineStatus,
    sentActivities,
    csvHref,
    csvStatus: csv.status(),
    csvType: csv.headers()["content-type"],
    csvBom: csvBytes[0] === 0xef && csvBytes[1] === 0xbb && csvBytes[2] === 0xbf,
    statusWhenPrinting,
    pages,
    overdue,
    afterSnow,
    weekBars,
    thisWeek,
    weeksLabel,
  }
})
