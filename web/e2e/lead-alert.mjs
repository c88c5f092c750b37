// The district lead acts on an alert: a commissioner records two visits with the mailbox 気になる
// (the first also 見守り強化); the server raises 郵便受けが2回続けて and pushes it to the lead's PC (the
// stand-in push service decrypts it; CDP hands it to the service worker). The notification leads to
// the alert's own screen, which shows the resident and the rule; the lead marks it 対応済み with a
// note, and it leaves the 今日の確認 home. From the alert the lead records a つなぎ (referral) in one
// step — the agency of the alert's route is chosen already: 分野, 保存する — which reaches the server
// and the resident's page (結果待ち), where its author records the outcome. The home's height at
// 1280×800 is measured with the alert on it and after; every screen's targets are at least 48 px.
import {
  axe,
  cfg,
  deliverPush,
  ergonomics,
  fakePushSubscription,
  log,
  login,
  origin,
  pushReceived,
  readyInTheField,
  recordContact,
  run,
  startServer,
  tablet,
  waitFor,
  waitSent,
} from "./lib.mjs"

/** The home as the lead sees it (once `ready`): alerts listed, the page's height, targets under 48 px. */
async function home(page, ready) {
  await page.getByRole("heading", { name: "今日の確認" }).waitFor()
  await page.getByTestId("home-overdue").waitFor()
  await waitFor("the home's alerts", async () => ready(await page.getByTestId("alert").count()))
  return {
    alerts: await page.getByTestId("alert").allInnerTexts(),
    text: await page.locator("main").innerText(),
    // The document's height (never under the window's) and how far down the content reaches.
    height: await page.evaluate(() => document.documentElement.scrollHeight),
    contentHeight: await page.evaluate(() => Math.ceil(document.querySelector("main").getBoundingClientRect().bottom + window.scrollY)),
    viewport: page.viewportSize(),
    small: (await ergonomics(page)).small,
  }
}

run(async () => {
  const rid = cfg.residents.rA1
  await startServer()

  // The lead's PC, subscribed to push.
  const lead = await tablet("lead")
  await fakePushSubscription(lead.context)
  await login(lead.page, "lead-a")
  await waitFor("push subscription stored", () => lead.page.evaluate(() => window.mimamori.get().push === "on"))

  // The commissioner's two visits.
  const comm = await tablet("commissioner")
  await readyInTheField(comm.page)
  await recordContact(comm.page, rid, { kind: "訪問", outcome: "不在", checks: { mailbox: "気になる" }, concern: "見守り強化" })
  await recordContact(comm.page, rid, { kind: "訪問", outcome: "不在", checks: { mailbox: "気になる" } })
  await waitSent(comm.page)

  // The push reaches the lead's PC, where 今日の確認 is open: the alert appears on it.
  const pushed = await pushReceived("the alert's push at the push service", p => !!p.alert)
  const notifications = await deliverPush(lead.context, lead.page, pushed.payload)
  log(`notification: ${JSON.stringify(notifications[0])}`)
  const before = await home(lead.page, n => n === 1)
  // axe's accessibility check of the lead's screens (violations only; [] expected).
  const a11y = { leadHome: await axe(lead.page, "leadHome") }
  await lead.page.screenshot({ path: `${process.env.MIMAMORI_E2E_ARTIFACTS ?? "/tmp/mimamori-e2e"}/lead-home.png` }).catch(() => {})

  // Where the notification leads: the alert, with the resident and the rule.
  await lead.page.goto(`${origin}${notifications[0].url}`)
  const card = lead.page.getByTestId("alert")
  await card.waitFor()
  const shown = {
    heading: await lead.page.getByRole("heading", { level: 1 }).innerText(),
    resident: await card.getByTestId("alert-resident").innerText(),
    title: await card.getByTestId("alert-title").innerText(),
    text: await card.innerText(),
  }
  a11y.alert = await axe(lead.page, "alert")
  await card.getByRole("button", { name: "対応済みにする" }).click()
  await card.getByLabel(/したこと/).fill("地域包括支援センターに連絡し、明日いっしょに訪ねます")
  await card.getByRole("button", { name: "この内容で対応済みにする" }).click()
  const closedLine = await card.getByTestId("alert-closed").innerText()

  // つなぎ from the alert: each click below is one tap of the lead's.
  let taps = 0
  const tap = async locator => {
    await locator.click()
    taps++
  }
  await tap(card.getByRole("link", { name: "つなぎを記録する" }))
  const form = lead.page.getByTestId("referral-heading")
  await form.waitFor()
  const referralForm = {
    heading: await form.innerText(),
    from: await lead.page.getByTestId("referral-from").innerText(),
    chosen: await lead.page.getByTestId("referral-to").getByRole("radio", { checked: true }).innerText(),
    on: await lead.page.locator('input[name="on"]').inputValue(),
    today: await lead.page.evaluate(() => new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10)),
    small: (await ergonomics(lead.page)).small,
  }
  a11y.referral = await axe(lead.page, "referral")
  await tap(lead.page.getByTestId("referral-field").getByRole("radio", { name: "高齢者" }))
  await tap(lead.page.getByRole("button", { name: "保存する", exact: true }))
  await lead.page.getByTestId("saved").waitFor()
  const referralTaps = taps
  const referralSaved = (await lead.page.getByTestId("saved").innerText()).startsWith("保存しました")
  const referralUrl = lead.page.url().slice(origin.length)
  const alertReferrals = await lead.page.getByTestId("alert-referrals").innerText()
  // Acknowledged by the server: the server stored the referral (a change it refuses stays unsent).
  const unsent = () =>
    lead.page.evaluate(id => {
      const e = window.mimamori.get().docs.find(d => d.residentId === id)
      return !e || e.pendingEdit || e.pendingContacts.length > 0
    }, rid)
  await waitFor("the referral at the server", async () => !(await unsent()))
  const referralSent = !(await unsent())

  // The resident's page lists it, 結果待ち; its author records the outcome there.
  await lead.page.goto(`${origin}/#/r/${rid}`)
  const list = lead.page.getByTestId("referrals")
  await list.waitFor()
  const referralList = await list.innerText()
  const residentSmall = (await ergonomics(lead.page)).small
  taps = 0
  await tap(list.getByRole("button", { name: "結果を記録する" }))
  await tap(list.getByRole("button", { name: "支援につながった" }))
  await list.getByTestId("referral-outcome").waitFor()
  const outcomeTaps = taps
  const outcomeLine = await list.getByTestId("referral-outcome").innerText()
  const referralListAfter = await list.innerText()
  await waitFor("the outcome at the server", async () => !(await unsent()))

  await lead.page.goto(`${origin}/#/`)
  const after = await home(lead.page, n => n === 0)
  const server = await (await lead.page.request.get(`${origin}/api/review/alerts/${pushed.payload.alert}`)).json()
  return {
    pushed: pushed.payload,
    notification: notifications[0],
    before,
    shown,
    closedLine,
    referralForm,
    referralTaps,
    referralSaved,
    referralUrl,
    alertReferrals,
    referralSent,
    referralList,
    residentSmall,
    outcomeTaps,
    outcomeLine,
    referralListAfter,
    after,
    server: { status: server.status, close_note: server.close_note },
    axe: a11y,
  }
})
