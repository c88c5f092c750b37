// 改選・引き継ぎ at the office (issue 22 item 4): the administrator moves an outgoing commissioner's
// residents to a successor from today, on one screen.
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
  await page.goto(`${origin}/#/`)
  await page.getByRole("link", { name: "改選・引き継ぎ" }).click()
  await page.getByRole("heading", { name: "改選・引き継ぎ" }).waitFor()
  await page.getByLabel("地区").waitFor()
  a11y.handover = await axe(page, "handover")

  const users = await (await page.request.get(`${origin}/api/admin/users`)).json()
  const name = login => users.find(u => u.login === login).display_name
  await page.getByLabel("地区").selectOption(cfg.districts.a)
  await page.getByLabel(`${name("comm-a")}の担当の行き先`).selectOption({ label: `${name("comm-a2")}へ` })
  page.once("dialog", d => d.accept())
  await page.getByRole("button", { name: "引き継ぐ" }).click()
  const done = await page.getByTestId("handover-done").innerText()
  const assignments = await (await page.request.get(`${origin}/api/admin/assignments`)).json()
  return { overview, done, assignments, axe: a11y }
})
