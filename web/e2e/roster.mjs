// 名簿の取り込み at the city office: the staff member chooses the roster as Excel saved it (Shift_JIS)
// with one bad row — the preview names its line and column and offers no 取り込む; the fixed file is
// previewed (3 to add) and imported. The files are made by the Rust test (cfg.rosterBad, cfg.rosterGood).
import { request } from "playwright-core"
import { axe, cfg, ergonomics, officeLogin, origin, run, startServer, tablet } from "./lib.mjs"

run(async () => {
  await startServer()
  // The administrator's view of the residents, to count what was written.
  const admin = await request.newContext({ baseURL: origin, extraHTTPHeaders: { Origin: origin } })
  await admin.post("/api/session", { data: { login: "admin", password: cfg.password } })
  const residentNames = async () => (await (await admin.get("/api/admin/residents")).json()).map(r => r.name)
  const { page } = await tablet("office")
  await page.goto(`${origin}/#/login`)
  await page.getByLabel("ログイン名").waitFor()
  const loginScreen = await ergonomics(page)
  // axe's accessibility check of the login screen and each office screen (violations only; [] expected).
  const a11y = { login: await axe(page, "login") }
  await officeLogin(page, "staff")
  await page.getByRole("link", { name: "名簿の取り込み" }).waitFor()
  await page.getByTestId("overview").waitFor() // the office home with the city's overview
  const officeHome = await ergonomics(page)
  a11y.officeHome = await axe(page, "officeHome")
  // お知らせを書く (on the office home), then back without saving.
  await page.getByRole("button", { name: "新しいお知らせを書く" }).click()
  await page.getByRole("heading", { name: "お知らせを書く" }).waitFor()
  a11y.compose = await axe(page, "compose")
  await page.getByRole("button", { name: "やめる" }).click()
  await page.getByRole("link", { name: "名簿の取り込み" }).click()
  await page.getByRole("heading", { name: "名簿の取り込み" }).waitFor()
  a11y.roster = await axe(page, "roster")

  await page.getByLabel("名簿のファイル").setInputFiles(cfg.rosterBad)
  await page.getByRole("button", { name: "内容を確かめる" }).click()
  const problems = await page.getByTestId("roster-problems").innerText()
  const badSummary = await page.getByTestId("roster-summary").innerText()
  const importOfferedForBad = await page.getByRole("button", { name: "取り込む" }).count()
  a11y.rosterProblems = await axe(page, "rosterProblems")
  const afterBad = (await residentNames()).length

  await page.getByLabel("名簿のファイル").setInputFiles(cfg.rosterGood)
  await page.getByRole("button", { name: "内容を確かめる" }).click()
  const goodSummary = await page.getByTestId("roster-summary").innerText()
  await page.getByRole("button", { name: "取り込む" }).click()
  const done = await page.getByTestId("roster-done").innerText()
  const residents = await residentNames()
  return { loginScreen, officeHome, problems, badSummary, importOfferedForBad, afterBad, goodSummary, done, residents, axe: a11y }
})
