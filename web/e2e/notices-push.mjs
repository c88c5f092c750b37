// The whole notice chain with no internet: the city office sends a 緊急 notice; the server pushes it
// to the stand-in push service (which verifies VAPID and decrypts, as Google's or Apple's would);
// the decrypted payload is handed to the tablet's service worker (CDP ServiceWorker.deliverPushMessage);
// the notification appears; opening it shows the notice and records 既読. A second notice read with
// the server down records 既読 after reconnect, once.
import { request } from "playwright-core"
import {
  cfg,
  log,
  login,
  origin,
  readyInTheField,
  reload,
  run,
  startServer,
  stopServer,
  tablet,
  waitFor,
} from "./lib.mjs"

run(async () => {
  await startServer()
  const t = await tablet("commissioner")
  const { page, context } = t
  await context.grantPermissions(["notifications"], { origin })
  // No push service is reachable from here: subscribe() is answered with the test's subscription
  // (keys made by the test, endpoint at the stand-in push service).
  await context.addInitScript(sub => {
    let current = null
    const b64 = s => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), c => c.charCodeAt(0)).buffer
    PushManager.prototype.getSubscription = async () => current
    PushManager.prototype.subscribe = async options => {
      current = {
        endpoint: sub.endpoint,
        expirationTime: null,
        options: { userVisibleOnly: true, applicationServerKey: options.applicationServerKey.buffer ?? options.applicationServerKey },
        getKey: name => b64(name === "auth" ? sub.auth : sub.p256dh),
        toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: { p256dh: sub.p256dh, auth: sub.auth } }),
        unsubscribe: async () => ((current = null), true),
      }
      return current
    }
  }, cfg.subscription)

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
  const pushed = await waitFor("the push at the push service", async () => {
    const got = await (await fetch(`${cfg.receiver}/received`)).json()
    return got.find(m => m.payload?.notice === first)
  })

  // The push service delivers it to the tablet's service worker.
  const cdp = await context.newCDPSession(page)
  const registrations = []
  cdp.on("ServiceWorker.workerRegistrationUpdated", e => registrations.push(...e.registrations))
  await cdp.send("ServiceWorker.enable")
  const reg = await waitFor("the service worker registration", async () => registrations.find(r => !r.isDeleted))
  await cdp.send("ServiceWorker.deliverPushMessage", {
    origin,
    registrationId: reg.registrationId,
    data: JSON.stringify(pushed.payload),
  })
  const notifications = await waitFor("the notification", () =>
    page.evaluate(async () => {
      const r = await navigator.serviceWorker.ready
      const ns = await r.getNotifications()
      return ns.length ? ns.map(n => ({ title: n.title, body: n.body, tag: n.tag, url: n.data?.url })) : null
    }),
  )
  const unreadBadge = await waitFor("the unread badge", async () => {
    const text = await page.getByTestId("notices-link").innerText()
    return /1/.test(text) ? text : null
  })

  // Opening it (where the notification leads) shows the notice and records 既読.
  await page.goto(`${origin}${notifications[0].url}`)
  const shownTitle = await page.getByTestId("notice-title").innerText()
  const shownBody = await page.locator(".notice-body").innerText()
  const link = await page.locator(".notice-body a").getAttribute("href")
  const readFirst = await waitFor("既読 at the server", async () => {
    const t = await tracking(first)
    return t.read === 1 ? t : null
  })

  // A second notice, read while the server is down.
  const second = await sendNotice("年末の定例会について", "normal")
  await page.goto(`${origin}/#/notices`)
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
  log("done")
  return {
    first,
    pushed,
    notifications,
    unreadBadge,
    shownTitle,
    shownBody,
    link,
    readFirst: { read: readFirst.read, delivered: readFirst.delivered, recipients: readFirst.recipients },
    offlineBadge,
    queuedOffline,
    second,
    readSecond: { read: readSecond.read },
  }
})
