// 名簿の取り込み at the city office: the staff member chooses the roster as Excel saved it (Shift_JIS)
// with one bad row — the preview names its line and column and offers no 取り込む; the fixed file is
// previewed (3 to add) and imported. The files are made by the Rust test (cfg.rosterBad, cfg.rosterGood).
import { request } from "playwright-core"
import { cfg, ergonomics, officeLogin, origin, run, startServer, tablet } from "./lib.mjs"

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
  await officeLogin(page, "staff")
  await page.getByRole("link", { name: "名簿の取り込み" }).waitFor()
  const officeHome = await ergonomics(page)
  await page.getByRole("link", { name: "名簿の取り込み" }).click()
  await page.getByRole("heading", { name: "名簿の取り込み" }).waitFor()

  await page.getByLabel("名簿のファイル").setInputFiles(cfg.rosterBad)
  await page.getByRole("button", { name: "内容を確かめる" }).click()
  const problems = await page.getByTestId("roster-problems").innerText()
  const badSummary = await page.getByTestId("roster-summary").innerText()
  const importOfferedForBad = await page.getByRole("button", { name: "取り込む" }).count()
  const afterBad = (await residentNames()).length

  await page.getByLabel("名簿のファイル").setInputFiles(cfg.rosterGood)
  await page.getByRole("button", { name: "内容を確かめる" }).click()
  const goodSummary = await page.getByTestId("roster-summary").innerText()
  await page.getByRole("button", { name: "取り込む" }).click()
  const done = await page.getByTestId("roster-done").innerText()
  const residents = await residentNames()
  return { loginScreen, officeHome, problems, badSummary, importOfferedForBad, afterBad, goodSummary, done, residents }
})
