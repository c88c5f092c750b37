// The whole notice chain with no internet: the city office sends a 緊急 notice; the server pushes it
// to the stand-in push service (which verifies VAPID and decrypts, as Google's or Apple's would);
// the decrypted payload is handed to the tablet's service worker (CDP ServiceWorker.deliverPushMessage);
// the notification appears; opening it shows the notice and records 既読. A second notice read with
// the server down records 既読 after reconnect, once.
import { request } from "playwright-core"
import {
  axe,
  cfg,
  deliverPush,
  fakePushSubscription,
  log,
  login,
  origin,
  pushReceived,
  readyInTheField,
  reload,
  run,
  startServer,
  stopServer,
  tablet,
  waitFor,
  ergonomics,
} from "./lib.mjs"

run(async () => {
  await startServer()
  const t = await tablet("commissioner")
  const { page, context } = t
  await fakePushSubscription(context)

  await readyInTheField(page)
  await waitFor("push subscription stored", () => page.evaluate(() => window.mimamori.get().push === "on"))

  // The city office, at its PC.
  const office = await request.newContext({ baseURL: origin, extraHTTPHeaders: { Origin: origin } })
  const r = await office.post("/api/session", { data: { login: "staff", password: cfg.password } })
  if (!r.ok()) throw new Error(`staff login ${r.status()}`)
  const sendNotice = async (title, priority) => {
    const created = await (
      await office.post("/api/staff/notices", {
        data: { title, body: "神楽岡小学校の体育館を避難所として開設しました。\n詳しくは https://www.city.asahikawa.hokkaido.jp/ をご覧ください。", priority, audience: "districts", districts: [cfg.districts.a] },
      })
    ).json()
    const sent = await office.post(`/api/staff/notices/${created.id}/send`)
    if (!sent.ok()) throw new Error(`send ${sent.status()}`)
    return created.id
  }
  const tracking = async id => (await office.get(`/api/notices/${id}/tracking`)).json()

  const first = await sendNotice("避難所開設のお知らせ", "urgent")
  // What the push service received and decrypted.
  const pushed = await pushReceived("the push at the push service", p => p.notice === first)

  // The push service delivers it to the tablet's service worker.
  const notifications = await deliverPush(context, page, pushed.payload)
  const unreadBadge = await waitFor("the unread badge", async () => {
    const text = await page.getByTestId("notices-link").innerText()
    return /1/.test(text) ? text : null
  })

  // Opening it (where the notification leads) shows the notice and records 既読.
  await page.goto(`${origin}${notifications[0].url}`)
  const shownTitle = await page.getByTestId("notice-title").innerText()
  const shownBody = await page.locator(".notice-body").innerText()
  const link = await page.locator(".notice-body a").getAttribute("href")
  const noticeScreen = await ergonomics(page)
  const a11y = { notice: await axe(page, "notice") }
  const readFirst = await waitFor("既読 at the server", async () => {
    const t = await tracking(first)
    return t.read === 1 ? t : null
  })

  // A second notice, read while the server is down.
  const second = await sendNotice("年末の定例会について", "normal")
  // Opening the inbox fetches at once (before: the list waited for the minute timer).
  await page.goto(`${origin}/#/`)
  const opened = Date.now()
  await page.goto(`${origin}/#/notices`)
  await page.getByText("年末の定例会について").waitFor({ timeout: 15_000 })
  const secondShownMs = Date.now() - opened
  a11y.notices = await axe(page, "notices")
  await reload(page)
  await page.getByText("年末の定例会について").waitFor()
  await stopServer()
  await page.getByText("年末の定例会について").click()
  await page.getByTestId("notice-title").waitFor()
  await reload(page) // offline: the cached list, the read mark and its queue survive
  await page.getByTestId("notice-title").waitFor()
  const offlineBadge = await page.getByTestId("notices-link").innerText()
  const queuedOffline = await page.evaluate(() => JSON.parse(localStorage.getItem("mimamori.readQueue") ?? "[]"))
  await startServer()
  const readSecond = await waitFor(
    "既読 after reconnect",
    async () => {
      const t = await tracking(second)
      return t.read === 1 ? t : null
    },
    30_000,
  )
  await waitFor("the queue emptied", () => page.evaluate(() => (localStorage.getItem("mimamori.readQueue") ?? "[]") === "[]"))
  // A third sent while the inbox stays open, with no push delivered to this page: it appears by
  // itself within seconds (before: at the next minute's check).
  await page.goto(`${origin}/#/notices`)
  await page.getByText("年末の定例会について").waitFor()
  const sentAt = Date.now()
  await sendNotice("除雪ボランティアの募集", "normal")
  await page.getByText("除雪ボランティアの募集").waitFor({ timeout: 30_000 })
  const thirdShownMs = Date.now() - sentAt
  log("done")
  return {
    first,
    pushed,
    notifications,
    unreadBadge,
    shownTitle,
    shownBody,
    link,
    noticeScreen,
    readFirst: { read: readFirst.read, delivered: readFirst.delivered, recipients: readFirst.recipients },
    offlineBadge,
    queuedOffline,
    second,
    secondShownMs,
    thirdShownMs,
    readSecond: { read: readSecond.read },
    axe: a11y,
  }
})
