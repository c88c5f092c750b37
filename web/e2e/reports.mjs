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
  tablet,
  waitFor,
  waitSent,
} from "./lib.mjs"

run(async () => {
  await startServer()
  const comm = await tablet("commissioner")
  await readyInTheField(comm.page)
  await recordContact(comm.page, cfg.residents.rA1, { kind: "訪問", outcome: "会えた", allOk: true })
  await waitSent(comm.page)

  const lead = await tablet("lead")
  const { page } = lead
  await login(page, "lead-a")
  await page.getByRole("link", { name: "活動記録（月）" }).click()
  const table = page.getByTestId("activity")
  await table.waitFor()
  const header = await table.locator("thead").innerText()
  const visits = await table.locator("tr", { hasText: "訪問回数" }).innerText()
  const elderly = await table.locator("tr", { hasText: "分野: 高齢者" }).innerText()
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
  return {
    header,
    visits,
    elderly,
    csvHref,
    csvStatus: csv.status(),
    csvType: csv.headers()["content-type"],
    csvBom: csvBytes[0] === 0xef && csvBytes[1] === 0xbb && csvBytes[2] === 0xbf,
    statusWhenPrinting,
    pages,
    overdue,
  }
})
