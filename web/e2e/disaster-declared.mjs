// 災害モード declared at the office (issue 23 step 6): city staff declare 大雪・暴風雪 for 神楽岡 on the
// 災害モード screen; the commissioner's tablet there shows the red band on every screen at its next
// start, and still without signal (the caller is cached); the other district's lead does not; staff
// end it and the band goes at the next start. The 安否 screens come with the next steps.
import { axe, cfg, officeLogin, origin, readyInTheField, reload, run, startServer, stopServer, tablet, login, waitFor } from "./lib.mjs"

run(async () => {
  await startServer()
  const { page: field } = await tablet("commissioner")
  await readyInTheField(field)
  const bandOf = async page => ((await page.getByTestId("disaster-band").count()) > 0 ? await page.getByTestId("disaster-band").innerText() : null)
  const before = await bandOf(field)

  const { page: office } = await tablet("office")
  await officeLogin(office, "staff")
  await office.getByRole("link", { name: "災害モード" }).click()
  await office.getByRole("heading", { name: "災害モード", level: 1 }).waitFor()
  const a11y = { disasters: await axe(office, "disasters") }
  await office.getByLabel("災害の種類").selectOption("blizzard")
  await office.getByLabel("市内全域").uncheck()
  await office.getByLabel("神楽岡").check()
  office.once("dialog", d => d.accept())
  await office.getByRole("button", { name: "災害モードにする" }).click()
  const declared = await office.getByTestId("disaster-done").innerText()
  const active = await office.getByTestId("active-disasters").innerText()
  a11y.disastersActive = await axe(office, "disastersActive")

  // The commissioner's next start (online): the band, on the list and on a resident's page.
  await reload(field)
  await field.getByTestId("disaster-band").waitFor()
  const onList = await bandOf(field)
  await field.goto(`${origin}/#/r/${cfg.residents.rA1}`)
  await field.getByTestId("resident-name").waitFor()
  const onResident = await bandOf(field)
  a11y.fieldBand = await axe(field, "fieldBand")
  // Without signal: still there.
  await stopServer()
  await reload(field)
  await field.getByTestId("resident-name").waitFor()
  const offline = await bandOf(field)
  await startServer()

  // District B's lead: no band.
  const { page: leadB } = await tablet("lead")
  await login(leadB, "lead-b")
  const otherDistrict = await bandOf(leadB)

  // Ended at the office: gone at the tablet's next start.
  office.once("dialog", d => d.accept())
  await office.getByRole("button", { name: "災害モードを終わる" }).click()
  await office.getByTestId("past-disasters").waitFor()
  await reload(field)
  await field.getByTestId("resident-name").waitFor()
  await waitFor("the band gone", async () => (await bandOf(field)) === null)
  const afterEnd = await bandOf(field)
  return { before, declared, active, onList, onResident, offline, otherDistrict, afterEnd, axe: a11y }
})
