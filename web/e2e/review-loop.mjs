// The review loop: a commissioner records a visit; the district lead sees it (with the server's
// receipt time) and marks 要確認 with what to check; the request appears on the commissioner's tablet
// as a task; the commissioner answers on the visit; the lead sees the answer and marks 確認済み; the
// task is gone.
import { request } from "playwright-core"
import {
  axe,
  cfg,
  ergonomics,
  login,
  origin,
  readyInTheField,
  recordContact,
  run,
  startServer,
  tablet,
  unlock,
  waitFor,
  waitSent,
} from "./lib.mjs"

const OWN_PASSWORD = "わたしだけの新しいパスワード"

run(async () => {
  const rid = cfg.residents.rA1
  await startServer()
  const comm = await tablet("commissioner")
  await readyInTheField(comm.page)
  // The commissioner meant to visit again by yesterday (Japan time).
  const yesterday = new Date(Date.now() + 9 * 3600_000 - 86400_000).toISOString().slice(0, 10)
  await recordContact(comm.page, rid, {
    kind: "訪問",
    outcome: "会えた",
    checks: { mailbox: "気になる" },
    note: "郵便物がたまり気味",
    followUpOn: yesterday,
  })
  await waitSent(comm.page)

  const lead = await tablet("lead")
  await login(lead.page, "lead-a")
  await lead.page.getByRole("link", { name: "記録の確認（地区）" }).click()
  const item = lead.page.getByTestId("review-item").filter({ hasText: "郵便物がたまり気味" })
  await item.waitFor()
  const reviewScreen = await ergonomics(lead.page)
  const a11y = { review: await axe(lead.page, "review") }
  const leadSees = await item.innerText()
  await item.getByLabel(/コメント/).fill("ご家族の連絡先を確かめてください")
  await item.getByRole("button", { name: "要確認" }).click()
  await item.getByText("「要確認」を記録しました。").waitFor()

  // The commissioner's tablet: a task.
  await comm.page.goto(`${origin}/#/`)
  const task = comm.page.getByTestId("task")
  await task.waitFor({ timeout: 30_000 })
  const taskText = await task.innerText()
  a11y.homeWithTask = await axe(comm.page, "homeWithTask")
  // The list says what needs the commissioner, on top, in words.
  const listWithRequest = {
    summary: await comm.page.getByTestId("needs-summary").innerText(),
    top: await comm.page.getByTestId("resident").first().innerText(),
  }
  await task.getByRole("link").click()
  await comm.page.getByLabel("地区への返事").fill("長女の電話番号を確認しました")
  await comm.page.getByRole("button", { name: "返事を送る" }).click()
  await waitSent(comm.page)

  // A 引き継ぎメモ for whoever watches her next: it travels in her document (the lead's copy shows it).
  await comm.page.goto(`${origin}/#/r/${rid}`)
  await comm.page.getByRole("button", { name: "引き継ぎメモを書く" }).click()
  await comm.page.getByLabel("引き継ぎメモ（次の担当の方へ）").fill("玄関は裏口から。長女さんが毎週土曜に来ます")
  await comm.page.getByRole("button", { name: "メモを保存する" }).click()
  const memoOnTablet = await comm.page.getByTestId("handover-note").innerText()
  await waitSent(comm.page)

  // The lead sees the answer and closes the loop.
  const answer = await waitFor(
    "the answer at the lead",
    async () => {
      const a = item.getByTestId("answer")
      return (await a.count()) ? a.innerText() : null
    },
    30_000,
  )
  await item.getByRole("button", { name: "確認済み" }).click()
  await item.getByText("「確認済み」を記録しました。").waitFor()
  await waitFor("the task gone from the tablet", async () => (await comm.page.getByTestId("task").count()) === 0, 30_000)
  await comm.page.goto(`${origin}/#/`)
  const listAfterAnswer = await comm.page.getByTestId("resident").first().innerText()
  await lead.page.goto(`${origin}/#/r/${rid}`)
  const memoAtLead = await lead.page.getByTestId("handover-note").innerText({ timeout: 30_000 })
  const serverMark = await waitFor("確認済み at the server", async () => {
    const r = await lead.page.request.get(`${origin}/api/review/contacts?resident_id=${rid}`)
    const list = await r.json()
    return list[0]?.review_mark === "confirmed" ? list[0].review_mark : null
  })

  // A leaked password: the administrator resets it. The lead's session ends at once; the temporary
  // password logs in, and must be replaced before anything else.
  const admin = await request.newContext({ baseURL: origin, extraHTTPHeaders: { Origin: origin } })
  await admin.post("/api/session", { data: { login: "admin", password: cfg.password } })
  const reset = await admin.post(`/api/admin/users/${cfg.users["lead-a"]}/password-reset`, { data: {} })
  const temporary = (await reset.json()).temporary_password
  const oldSession = (await lead.page.request.get(`${origin}/api/me`)).status()
  await lead.page.goto(`${origin}/#/login`)
  await lead.page.getByLabel("ログイン名").fill("lead-a")
  await lead.page.getByLabel("パスワード").fill(temporary)
  await lead.page.getByRole("button", { name: "ログイン" }).click()
  const pinScreen = lead.page.getByRole("heading", { name: "暗証番号を入れてください" })
  await pinScreen.or(lead.page.getByTestId("password-forced")).waitFor()
  if (await pinScreen.isVisible()) await unlock(lead.page)
  const forcedText = await lead.page.getByTestId("password-forced").innerText()
  await lead.page.getByLabel("仮のパスワード（管理者から聞いたもの）").fill(temporary)
  await lead.page.getByLabel("新しいパスワード（10文字以上）").fill(OWN_PASSWORD)
  await lead.page.getByLabel("新しいパスワード（もう一度）").fill(OWN_PASSWORD)
  await lead.page.getByRole("button", { name: "変える" }).click()
  const changedText = await lead.page.getByTestId("password-changed").innerText()
  const fresh = await request.newContext({ baseURL: origin, extraHTTPHeaders: { Origin: origin } })
  const withOwn = (await fresh.post("/api/session", { data: { login: "lead-a", password: OWN_PASSWORD } })).status()
  return { axe: a11y, reviewScreen, leadSees, taskText, listWithRequest, listAfterAnswer, memoOnTablet, memoAtLead, answer, serverMark, oldSession, forcedText, changedText, withOwn }
})
