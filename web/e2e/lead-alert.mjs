// The district lead acts on an alert: a commissioner records two visits with the mailbox 気になる
// (the first also 見守り強化); the server raises 郵便受けが2回続けて and pushes it to the lead's PC (the
// stand-in push service decrypts it; CDP hands it to the service worker). The notification leads to
// the alert's own screen, which shows the resident and the rule; the lead marks it 対応済み with a
// note, and it leaves the 今日の確認 home. The home's height at 1280×800 is measured with the alert
// on it and after.
import {
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
  await card.getByRole("button", { name: "対応済みにする" }).click()
  await card.getByLabel(/したこと/).fill("地域包括支援センターに連絡し、明日いっしょに訪ねます")
  await card.getByRole("button", { name: "この内容で対応済みにする" }).click()
  const closedLine = await card.getByTestId("alert-closed").innerText()

  await lead.page.goto(`${origin}/#/`)
  const after = await home(lead.page, n => n === 0)
  const server = await (await lead.page.request.get(`${origin}/api/review/alerts/${pushed.payload.alert}`)).json()
  return {
    pushed: pushed.payload,
    notification: notifications[0],
    before,
    shown,
    closedLine,
    after,
    server: { status: server.status, close_note: server.close_note },
  }
})
