// 改選・引き継ぎ at the office (issue 22 items 2 and 4): the administrator imports the city's list of
// people (one new commissioner, with a term: the first password shown once, the term on the People
// screen), then moves an outgoing commissioner's residents to that successor from today, splitting
// the caseload resident by resident (分けて引き継ぐ), on one screen.
import { axe, cfg, officeLogin, origin, run, startServer, tablet } from "./lib.mjs"

run(async () => {
  await startServer()
  const { page } = await tablet("office")
  await officeLogin(page, "admin")
  // The office home: the city's overview, per district (counts only).
  const overview = await page.getByTestId("overview").innerText()
  // axe's accessibility check of the administrator's screens (violations only; [] expected).
  const a11y = { adminHome: await axe(page, "adminHome") }
  await page.getByRole("link", { name: "タブレットの管理" }).click()
  await page.getByTestId("device").first().waitFor()
  a11y.devices = await axe(page, "devices")
  // The city's list of people (UTF-8 here; the Rust tests cover Shift_JIS): one new commissioner.
  await page.goto(`${origin}/#/roster`)
  await page.getByRole("heading", { name: "名簿の取り込み" }).waitFor()
  await page.getByLabel("取り込む名簿").selectOption("people")
  const people = "ログイン名,氏名,役割,地区,任期開始,任期終了\r\nm-new,新任 委員,民生委員,kaguraoka,2025/12/1,2028/11/30\r\n"
  await page.getByLabel("名簿のファイル").setInputFiles({ name: "people.csv", mimeType: "text/csv", buffer: Buffer.from(people) })
  await page.getByRole("button", { name: "内容を確かめる" }).click()
  const peopleSummary = await page.getByTestId("roster-summary").innerText()
  a11y.peopleImport = await axe(page, "peopleImport")
  await page.getByRole("button", { name: "取り込む" }).click()
  const firstPasswords = await page.getByTestId("first-passwords").innerText()
  a11y.firstPasswords = await axe(page, "firstPasswords")
  await page.goto(`${origin}/#/people`)
  const newcomer = page.locator('[data-testid="person"][data-login="m-new"]')
  await newcomer.waitFor()
  const term = await newcomer.getByTestId("term").innerText()

  await page.goto(`${origin}/#/`)
  await page.getByRole("link", { name: "改選・引き継ぎ" }).click()
  await page.getByRole("heading", { name: "改選・引き継ぎ" }).waitFor()
  await page.getByLabel("地区").waitFor()
  a11y.handover = await axe(page, "handover")

  const users = await (await page.request.get(`${origin}/api/admin/users`)).json()
  const name = login => users.find(u => u.login === login).display_name
  await page.getByLabel("地区").selectOption(cfg.districts.a)
  await page.getByLabel(`${name("comm-a")}の担当の行き先`).selectOption({ label: "分けて引き継ぐ（一人ずつ選ぶ）" })
  await page.getByTestId("split-row").first().waitFor()
  const splitRows = await page.getByTestId("split-row").allInnerTexts()
  a11y.handoverSplit = await axe(page, "handoverSplit")
  await page.getByLabel("試験 花子さんの行き先").selectOption({ label: "新任 委員へ" })
  page.once("dialog", d => d.accept())
  await page.getByRole("button", { name: "引き継ぐ" }).click()
  const done = await page.getByTestId("handover-done").innerText()
  const assignments = await (await page.request.get(`${origin}/api/admin/assignments`)).json()
  const newcomerId = users.find(u => u.login === "m-new").id
  return { overview, peopleSummary, firstPasswords, term, splitRows, done, assignments, newcomerId, axe: a11y }
})
