// Helpers for the browser stories (driven from tests/browser.rs, one story per process).
//
// A story gets one JSON argument from the Rust test:
//   { bin, databaseUrl, port, webDir, password, codes: {login: code}, users: {login: id},
//     residents: {key: id}, profileRoot }
// It starts and stops the real server itself (the same port every time: the service worker and
// IndexedDB belong to the origin), drives Debian's Chromium with playwright-core, and prints one
// JSON line {"ok": true, ...facts} or {"ok": false, "error": "..."}; the Rust test asserts on the facts.
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import fs from "node:fs"
import { createRequire } from "node:module"
import path from "node:path"
import { chromium } from "playwright-core"

export const cfg = JSON.parse(process.argv[2] ?? "{}")
export const origin = `http://${cfg.host ?? "127.0.0.1"}:${cfg.port}`

const log = (...a) => process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${a.join(" ")}\n`)
export { log }

// --- the server -----------------------------------------------------------------------------------

let server = null

export async function startServer() {
  if (server) throw new Error("server already running")
  const child = spawn(cfg.bin, ["serve"], {
    env: {
      ...process.env,
      DATABASE_URL: cfg.databaseUrl,
      MIMAMORI_BIND: `127.0.0.1:${cfg.port}`,
      MIMAMORI_WEB_DIR: cfg.webDir,
      RUST_LOG: process.env.RUST_LOG ?? "warn",
      ...(cfg.env ?? {}),
    },
    stdio: ["ignore", "pipe", "inherit"],
  })
  server = child
  const lines = createInterface({ input: child.stdout })
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start within 30 s")), 30_000)
    child.once("exit", code => reject(new Error(`server exited with ${code} while starting`)))
    lines.on("line", line => {
      if (line.startsWith("Mimamori: ")) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  log("server up")
}

export async function stopServer() {
  const child = server
  if (!child) return
  server = null
  const exited = new Promise(r => child.once("exit", r))
  // STORY_STOP_SIGNAL=SIGKILL: the server vanishes at once (here SIGTERM waits up to 5 s for open
  // connections; with none to wait for, as on CI, it is as quick): races in the stories show up.
  child.kill(process.env.STORY_STOP_SIGNAL ?? "SIGTERM")
  const t = setTimeout(() => child.kill("SIGKILL"), 8000)
  await exited
  clearTimeout(t)
  log("server stopped")
}

// --- the browser ---------------------------------------------------------------------------------

const open = []

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
]

/** A browser profile (a tablet). The same name again = the same profile on disk (a browser restart). */
export async function tablet(name) {
  const dir = path.join(cfg.profileRoot, name)
  fs.mkdirSync(dir, { recursive: true })
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 }, // a 10-inch tablet in landscape
    locale: "ja-JP",
    timezoneId: "Asia/Tokyo",
  })
  context.setDefaultTimeout(20_000)
  const page = context.pages()[0] ?? (await context.newPage())
  open.push({ name, page })
  page.on("pageerror", e => log(`[${name}] page error: ${e.message}`))
  page.on("console", m => {
    if (m.type() === "error" && !/ERR_CONNECTION_REFUSED|WebSocket|Failed to load resource/.test(m.text()))
      log(`[${name}] console: ${m.text()}`)
  })
  return { name, context, page }
}

export async function waitFor(what, fn, timeoutMs = 20_000, everyMs = 200) {
  const until = Date.now() + timeoutMs
  let last
  while (Date.now() < until) {
    try {
      last = await fn()
      if (last) return last
    } catch (e) {
      last = e
    }
    await new Promise(r => setTimeout(r, everyMs))
  }
  throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`)
}

export const statusText = page => page.getByTestId("pending").innerText()
export const netText = page => page.getByTestId("net").innerText()

/** Enrols the tablet with a one-time code, through the screens. */
export async function enrol(page, code) {
  await page.goto(`${origin}/#/enrol/${code}`)
  await page.getByRole("button", { name: "登録する" }).click()
  await page.getByText("タブレットを登録しました").waitFor()
  await page.getByRole("link", { name: "ログインへ進む" }).click()
}

export async function login(page, loginId) {
  if (!page.url().includes("#/login")) await page.goto(`${origin}/#/login`)
  await page.getByLabel("ログイン名").fill(loginId)
  await page.getByLabel("パスワード").fill(cfg.password)
  await page.getByRole("button", { name: "ログイン" }).click()
  // The first login on a tablet chooses the PIN that guards its local data.
  const setup = page.getByRole("heading", { name: "暗証番号を決めてください" })
  // A commissioner's home is their list; a district lead's is 今日の確認.
  const list = page.getByRole("heading", { name: /^(わたしの見守り|今日の確認)$/ })
  await setup.or(list).waitFor()
  if (await setup.isVisible()) {
    await page.getByLabel("暗証番号").fill(PIN)
    await page.getByLabel("もう一度").fill(PIN)
    await page.getByRole("button", { name: "決める" }).click()
  }
  await list.waitFor()
}

export const PIN = "246810"

/** The office PC (city staff, administrator): log in and choose the PIN that guards this browser. */
export async function officeLogin(page, loginId) {
  await page.goto(`${origin}/#/login`)
  await page.getByLabel("ログイン名").fill(loginId)
  await page.getByLabel("パスワード").fill(cfg.password)
  await page.getByRole("button", { name: "ログイン" }).click()
  await page.getByRole("heading", { name: "暗証番号を決めてください" }).waitFor()
  await page.getByLabel("暗証番号").fill(PIN)
  await page.getByLabel("もう一度").fill(PIN)
  await page.getByRole("button", { name: "決める" }).click()
}

/** The lock screen (every start, after the idle time): enters the PIN. */
export async function unlock(page, pin = PIN) {
  await page.getByRole("heading", { name: "暗証番号を入れてください" }).waitFor()
  await page.getByLabel("暗証番号").fill(pin)
  await page.getByRole("button", { name: "開く" }).click()
}

/** Reload (the service worker serves the app when the server is down), then unlock. */
export async function reload(page) {
  await page.reload()
  await unlock(page)
}

/** The service worker controls the page and is activated (then the app opens offline). */
export async function waitServiceWorker(page) {
  await waitFor("service worker activated", () =>
    page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration()
      return r?.active?.state === "activated" && !!navigator.serviceWorker.controller
    }),
  )
}

/**
 * A commissioner's tablet ready for the field: enrolled with `code`, logged in (the PIN chosen),
 * 試験 花子 (rA1) loaded and stored, the service worker active, nothing unsent.
 */
export async function readyInTheField(page, code = cfg.codes["comm-a"], loginId = "comm-a") {
  await enrol(page, code)
  await login(page, loginId)
  await page.getByText("試験 花子").waitFor()
  await waitServiceWorker(page)
  await waitSent(page)
  await waitStored(page)
}

/**
 * Every document the tablet lists is in its store (IndexedDB "mimamori"), so that a start without
 * signal opens it. On screen is not stored: automerge-repo saves a received document a moment
 * later, and a server stopped at once (SIGKILL; SIGTERM with no connection to wait for, as on CI)
 * left the tablet showing 送信済み with its resident only in memory — offline after a reload, the
 * list was empty.
 */
export async function waitStored(page) {
  await waitFor("the listed documents stored on the tablet", () =>
    page.evaluate(async () => {
      const ids = JSON.parse(localStorage.getItem("mimamori.docs") ?? "[]").map(d => d.url.slice("automerge:".length))
      // Only an existing database is opened: opening a missing one would create it without its store.
      if (ids.length === 0 || !(await indexedDB.databases()).some(d => d.name === "mimamori")) return false
      const db = await new Promise((res, rej) => {
        const r = indexedDB.open("mimamori")
        r.onsuccess = () => res(r.result)
        r.onerror = () => rej(r.error)
      })
      try {
        if (!db.objectStoreNames.contains("documents")) return false
        const keys = await new Promise((res, rej) => {
          const r = db.transaction("documents").objectStore("documents").getAllKeys()
          r.onsuccess = () => res(r.result)
          r.onerror = () => rej(r.error)
        })
        return ids.every(id => keys.some(k => k[0] === id && (k[1] === "snapshot" || k[1] === "incremental")))
      } finally {
        db.close()
      }
    }),
  )
}

/** Everything this tablet holds has reached the server (the status bar says 送信済み). */
export async function waitSent(page, timeoutMs = 20_000) {
  await waitFor("送信済み", async () => (await statusText(page)) === "送信済み", timeoutMs)
}

/**
 * Records a contact through the 記録する screen. `outcome` is left out for 間接確認 (not asked);
 * `fields` (分野) and `contents` (内容) record a consultation (「相談・支援をした」).
 */
export async function recordContact(page, residentId, c) {
  await page.goto(`${origin}/#/r/${residentId}/record`)
  await page.getByRole("heading", { name: /^記録する/ }).waitFor()
  await page.getByTestId("kind").getByRole("radio", { name: c.kind }).click()
  if (c.outcome) await page.getByTestId("outcome").getByRole("radio", { name: c.outcome }).click()
  if (c.allOk) await page.getByRole("button", { name: "すべて異常なし" }).click()
  for (const [check, value] of Object.entries(c.checks ?? {})) {
    await page.locator(`[data-check="${check}"]`).getByRole("radio", { name: value }).click()
  }
  if (c.concern) await page.getByTestId("concern").getByRole("radio", { name: c.concern }).click()
  if (c.fields || c.contents) {
    await page.getByLabel("相談・支援をした").check()
    for (const f of c.fields ?? []) await page.getByTestId("fields").getByRole("checkbox", { name: f, exact: true }).click()
    for (const x of c.contents ?? []) await page.getByTestId("contents").getByRole("checkbox", { name: x, exact: true }).click()
  }
  if (c.note) await page.getByLabel("メモ").fill(c.note)
  if (c.followUpOn) {
    await page.getByLabel("あとで、もう一度訪ねる").check()
    await page.getByLabel("いつまでに訪ねますか").fill(c.followUpOn)
  }
  if (c.planConfirmed) await page.getByLabel("個別避難計画：変更なし（確認しました）").check()
  await page.getByRole("button", { name: "保存する" }).click()
  await page.getByRole("heading", { name: "記録（新しい順）" }).waitFor()
}

export async function editProfile(page, residentId, field, value) {
  await page.goto(`${origin}/#/r/${residentId}`)
  await page.getByRole("button", { name: "基本情報を直す" }).click()
  await page.getByLabel(field, { exact: true }).fill(value)
  await page.getByRole("button", { name: "保存する" }).click()
  await page.getByRole("button", { name: "基本情報を直す" }).waitFor()
}

/** What the resident page shows: contacts (text of each), their 未送信 marks, the profile. */
export async function residentPage(page, residentId) {
  if (!page.url().endsWith(`#/r/${residentId}`)) await page.goto(`${origin}/#/r/${residentId}`)
  await page.getByTestId("resident-name").waitFor()
  const contacts = await page.getByTestId("contact").allInnerTexts()
  return {
    name: await page.getByTestId("resident-name").innerText(),
    phone: await page.getByTestId("profile-phone").innerText(),
    contacts,
    unsent: contacts.filter(t => t.includes("未送信")).length,
  }
}

/** The document as this tablet holds it (for comparing tablets). */
export async function docJson(page, residentId) {
  return page.evaluate(id => {
    const s = window.mimamori.get()
    const e = s.docs.find(d => d.residentId === id)
    // Canonical JSON (keys sorted): two replicas may list map keys in a different order.
    const canon = v =>
      Array.isArray(v)
        ? v.map(canon)
        : v && typeof v === "object" && !("val" in v)
          ? Object.fromEntries(Object.keys(v).sort().map(k => [k, canon(v[k])]))
          : v && typeof v === "object"
            ? String(v)
            : v
    return e?.doc ? JSON.stringify(canon(e.doc)) : undefined
  }, residentId)
}

// --- Web Push with no internet ------------------------------------------------------------------

/**
 * Lets this browser profile "subscribe" to push: notifications allowed, and subscribe() answered
 * with the test's subscription (`cfg.subscription`: keys made by the test, endpoint at the stand-in
 * push service, which verifies VAPID and decrypts as Google's or Apple's would).
 */
export async function fakePushSubscription(context, sub = cfg.subscription) {
  await context.grantPermissions(["notifications"], { origin })
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
  }, sub)
}

/** The first message the stand-in push service received and decrypted that `match`es. */
export async function pushReceived(what, match) {
  return waitFor(what, async () => {
    const got = await (await fetch(`${cfg.receiver}/received`)).json()
    return got.find(m => m.payload && match(m.payload))
  })
}

/**
 * Hands a decrypted payload to the page's service worker, as the browser's push service would (CDP
 * ServiceWorker.deliverPushMessage); returns the notifications then shown ({title, body, tag, url}).
 */
export async function deliverPush(context, page, payload) {
  const cdp = await context.newCDPSession(page)
  const registrations = []
  cdp.on("ServiceWorker.workerRegistrationUpdated", e => registrations.push(...e.registrations))
  await cdp.send("ServiceWorker.enable")
  const reg = await waitFor("the service worker registration", async () => registrations.find(r => !r.isDeleted))
  const shown = () =>
    page.evaluate(async () => {
      const r = await navigator.serviceWorker.ready
      const ns = await r.getNotifications()
      return ns.length ? ns.map(n => ({ title: n.title, body: n.body, tag: n.tag, url: n.data?.url })) : null
    })
  // A push service delivers again until the browser takes it; so does this stand-in. Chromium
  // drops, now and then, a CDP delivery that arrives while the worker is being woken (seen: the
  // same story passing and, once in a few full runs, never showing the notification). The
  // notification's tag makes a second delivery replace the first, not add to it.
  for (let attempt = 1; ; attempt++) {
    await cdp.send("ServiceWorker.deliverPushMessage", { origin, registrationId: reg.registrationId, data: JSON.stringify(payload) })
    try {
      return await waitFor("the notification", shown, attempt < 3 ? 7_000 : 20_000)
    } catch (e) {
      if (attempt >= 3) throw e
      log(`no notification after delivery ${attempt}: delivering again`)
    }
  }
}

/** The smallest touch target (buttons, links, inputs) on screen and the body text size, in CSS px. */
export async function ergonomics(page) {
  return page.evaluate(() => {
    const targets = [...document.querySelectorAll("button, a, input, textarea, select")].filter(
      e => e.getClientRects().length > 0,
    )
    const small = targets
      .map(e => ({ e, r: e.getBoundingClientRect() }))
      .filter(({ r }) => Math.min(r.width, r.height) < 48)
      .map(({ e, r }) => `${e.tagName} "${(e.textContent || e.getAttribute("name") || "").trim().slice(0, 20)}" ${Math.round(r.width)}x${Math.round(r.height)}`)
    return {
      targets: targets.length,
      small,
      bodyFontPx: parseFloat(getComputedStyle(document.body).fontSize),
    }
  })
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

/**
 * axe-core's accessibility check of what `page` shows now: its violations (every rule axe runs by
 * default, WCAG A/AA and best practices), as [{ id, impact, nodes, targets }] with the first three
 * elements' selectors — never the page's text (residents' names stay out of the logs): quoted
 * attribute values in a selector, other than the app's own test hooks, are blanked. `screen` only
 * names the screen in the log. axe goes in through CDP (page.evaluate): the app's CSP allows no
 * inline script, so page.addScriptTag({ path }) would be refused.
 */
export async function axe(page, screen) {
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] })
    return r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")) }))
  })
  const keep = /^(data-testid|data-check|data-value|data-state|type|role|name)$/
  for (const v of violations)
    v.targets = v.targets.map(t => t.replace(/\[([\w-]+)([~|^$*]?=)"(?:[^"\\]|\\.)*"\]/g, (m, a, op) => (keep.test(a) ? m : `[${a}${op}"…"]`)))
  if (violations.length) log(`axe ${screen}: ${violations.map(v => `${v.id} ×${v.nodes}`).join(", ")}`)
  return violations
}

export async function run(story) {
  const t0 = Date.now()
  try {
    const facts = await story()
    await stopServer()
    process.stdout.write(JSON.stringify({ ok: true, ms: Date.now() - t0, ...facts }) + "\n")
    process.exit(0)
  } catch (e) {
    log(e.stack ?? e.message)
    // What each screen showed when it failed (text, and a screenshot for a human).
    const dir = process.env.MIMAMORI_E2E_ARTIFACTS ?? "/tmp/mimamori-e2e"
    fs.mkdirSync(dir, { recursive: true })
    for (const { name, page } of open) {
      try {
        log(`[${name}] ${page.url()} shows: ${(await page.locator("body").innerText({ timeout: 2000 })).slice(0, 1500)}`)
        await page.screenshot({ path: path.join(dir, `${name}.png`), timeout: 5000 })
      } catch {
        /* closed */
      }
    }
    await stopServer().catch(() => {})
    process.stdout.write(JSON.stringify({ ok: false, error: e.message }) + "\n")
    process.exit(1)
  }
}
