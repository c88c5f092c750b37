// The session ends (an administrator revokes it; the same happens when it times out) while the
// commissioner keeps working: recording goes on locally, the app asks for the password only to send,
// and after the password everything is sent.
import { request } from "playwright-core"
import {
  cfg,
  login,
  origin,
  readyInTheField,
  recordContact,
  residentPage,
  run,
  startServer,
  statusText,
  tablet,
  waitFor,
  waitSent,
} from "./lib.mjs"

run(async () => {
  const rid = cfg.residents.rA1
  await startServer()
  const { page } = await tablet("commissioner")
  await readyInTheField(page)

  // At the office, the administrator ends every session of this commissioner.
  const office = await request.newContext({ baseURL: origin, extraHTTPHeaders: { Origin: origin } })
  const adminLogin = await office.post("/api/session", { data: { login: "admin", password: cfg.password } })
  if (!adminLogin.ok()) throw new Error(`admin login: ${adminLogin.status()}`)
  const revoked = await office.post(`/api/admin/users/${cfg.users["comm-a"]}/revoke-sessions`)
  if (!revoked.ok()) throw new Error(`revoke: ${revoked.status()} ${await revoked.text()}`)

  // The tablet notices and says so, without stopping anyone from recording.
  const banner = page.getByTestId("session-expired")
  await banner.waitFor({ timeout: 20_000 })
  const bannerText = await banner.innerText()
  await recordContact(page, rid, { kind: "訪問", outcome: "会えた", allOk: true, note: "セッション切れの間の記録" })
  await page.waitForTimeout(4000) // longer than one reconnect attempt: nothing may be sent meanwhile
  const whileExpired = await statusText(page)
  const viewWhileExpired = await residentPage(page, rid)

  // The password, once; then it is sent.
  await banner.click()
  await page.getByLabel("パスワード").fill(cfg.password)
  await page.getByRole("button", { name: "ログイン" }).click()
  await page.getByRole("heading", { name: "わたしの見守り" }).waitFor()
  await waitSent(page, 30_000)
  const bannerAfter = await banner.count()

  const lead = await request.newContext({ baseURL: origin, extraHTTPHeaders: { Origin: origin } })
  await lead.post("/api/session", { data: { login: "lead-a", password: cfg.password } })
  const serverView = await waitFor("the contact at the server", async () => {
    const r = await lead.get(`/api/residents/${rid}/document`)
    const doc = await r.json()
    return Object.values(doc.contacts ?? {}).some(c => c.note === "セッション切れの間の記録") ? doc : null
  })
  return {
    bannerText,
    whileExpired,
    unsentWhileExpired: viewWhileExpired.unsent,
    bannerAfter,
    serverContacts: Object.keys(serverView.contacts).length,
  }
})
