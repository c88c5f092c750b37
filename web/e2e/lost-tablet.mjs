// A lost tablet leaks nothing: after real use, the profile on disk holds no resident name, address or
// note; the app locks on start and when idle; wrong PINs and a revoked device each erase the local
// data, a long time without a check-in seals it (kept, unsent records included, until the server is
// reached); an ended assignment takes the resident off the tablet.
import fs from "node:fs"
import path from "node:path"
import { request } from "playwright-core"
import {
  PIN,
  cfg,
  log,
  login,
  origin,
  readyInTheField,
  recordContact,
  reload,
  run,
  startServer,
  stopServer,
  tablet,
  unlock,
  waitFor,
  waitSent,
} from "./lib.mjs"

const NOTE = "血圧の薬を飲み忘れている様子（試験メモ）"
const OFFLINE_NOTE = "圏外で書いた記録（試験）"
const SECRETS = ["試験 花子", "試験 太郎", "旭川市（試験）1条1丁目", NOTE, "血圧の薬"]

/** Every file under `dir` searched for the secrets as UTF-8 and UTF-16 (V8 stores two-byte strings). */
function scan(dir) {
  const hits = []
  let files = 0
  const walk = d => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) {
        files++
        const data = fs.readFileSync(p)
        for (const s of SECRETS) {
          if (data.includes(Buffer.from(s, "utf8")) || data.includes(Buffer.from(s, "utf16le"))) hits.push(`${s} in ${path.relative(dir, p)}`)
        }
      }
    }
  }
  walk(dir)
  return { files, hits }
}

/** What the page's origin stores: IndexedDB records (as base64), localStorage, Cache Storage text. */
async function dumpStorage(page) {
  await page.waitForLoadState()
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("storage dump hung (a blocked IndexedDB?)")), 15_000))
  return Promise.race([timeout, dumpStorageNow(page)])
}

async function dumpStorageNow(page) {
  return page.evaluate(async () => {
    const out = { records: [], localStorage: JSON.stringify({ ...localStorage }), caches: "" }
    const dbs = await indexedDB.databases()
    for (const info of dbs) {
      const db = await new Promise((res, rej) => {
        const r = indexedDB.open(info.name)
        r.onsuccess = () => res(r.result)
        r.onerror = () => rej(r.error)
      })
      for (const storeName of db.objectStoreNames) {
        const all = await new Promise(res => {
          const r = db.transaction(storeName).objectStore(storeName).getAll()
          r.onsuccess = () => res(r.result)
        })
        const keys = await new Promise(res => {
          const r = db.transaction(storeName).objectStore(storeName).getAllKeys()
          r.onsuccess = () => res(r.result)
        })
        all.forEach((v, i) => {
          const bins = []
          const collect = v => {
            if (v instanceof Uint8Array) bins.push(v)
            else if (v instanceof ArrayBuffer) bins.push(new Uint8Array(v))
            else if (v && typeof v === "object") Object.values(v).forEach(collect)
          }
          collect(v)
          for (const b of bins) out.records.push({ key: JSON.stringify(keys[i]), data: btoa(String.fromCharCode(...b)) })
        })
      }
      db.close()
    }
    for (const name of await caches.keys()) {
      const c = await caches.open(name)
      for (const req of await c.keys()) {
        const res = await c.match(req)
        if (res && !req.url.endsWith(".wasm")) out.caches += await res.text()
      }
    }
    return out
  })
}

/** The erase screen, after the page has reloaded to close the store (see Store.wipe). */
async function erasedScreen(page) {
  await page.getByTestId("erased").waitFor({ timeout: 20_000 })
  await page.waitForTimeout(1500)
  await page.waitForLoadState()
  await page.getByTestId("erased").waitFor()
  return page.getByTestId("erased").locator("..").innerText()
}

run(async () => {
  const rid = cfg.residents.rA1
  await startServer()
  let t = await tablet("commissioner")
  await readyInTheField(t.page)
  await recordContact(t.page, rid, { kind: "訪問", outcome: "会えた", checks: { mailbox: "気になる" }, note: NOTE })
  await waitSent(t.page)

  // 1. What is stored: ciphertext only.
  const stored = await dumpStorage(t.page)
  const A = await import("@automerge/automerge")
  let loadable = 0
  let plainHits = []
  for (const r of stored.records) {
    const bytes = Buffer.from(r.data, "base64")
    try {
      A.load(new Uint8Array(bytes))
      loadable++
    } catch {
      /* not an automerge document: good */
    }
    for (const s of SECRETS) if (bytes.includes(Buffer.from(s, "utf8"))) plainHits.push(s)
  }
  const otherHits = SECRETS.filter(s => stored.localStorage.includes(s) || stored.caches.includes(s))
  await t.context.close()
  const disk = scan(path.join(cfg.profileRoot, "commissioner"))

  // 2. Locked on start; a wrong PIN is refused; the right one opens it (timed).
  t = await tablet("commissioner")
  await t.page.goto(`${origin}/`)
  await t.page.getByRole("heading", { name: "暗証番号を入れてください" }).waitFor()
  // Before the PIN there is no connection to speak of: no オフライン while the network works.
  const pinScreenNet = await t.page.getByTestId("net").count()
  await t.page.getByLabel("暗証番号").fill("999999")
  await t.page.getByRole("button", { name: "開く" }).click()
  await t.page.getByText("暗証番号がちがいます。").waitFor()
  const t0 = Date.now()
  await unlock(t.page)
  await t.page.getByText("試験 花子").waitFor()
  const unlockMs = Date.now() - t0

  // 3. Idle: it locks itself (the city's setting here: 5 s).
  const idleFrom = Date.now()
  await t.page.getByRole("heading", { name: "暗証番号を入れてください" }).waitFor({ timeout: 20_000 })
  const idleLockedAfterMs = Date.now() - idleFrom
  await unlock(t.page)
  await t.page.getByText("試験 花子").waitFor()

  // 4. Offline for days: a warning from 3 days before. Past the city's limit the store is sealed,
  //    not erased (D8): a record written offline and never sent stays, the right PIN cannot open it
  //    while offline, and once the server is back the tablet opens as usual and sends it.
  await stopServer()
  const day = 86_400_000
  await t.context.clock.install({ time: Date.now() + 12 * day })
  await t.page.reload()
  const warning = await t.page.getByTestId("expiry-warning").innerText()
  await unlock(t.page) // offline: the cached share
  await t.page.getByText("試験 花子").waitFor()
  await recordContact(t.page, rid, { kind: "訪問", outcome: "会えた", note: OFFLINE_NOTE })
  await t.context.close()
  t = await tablet("commissioner")
  await t.context.clock.install({ time: Date.now() + 15 * day })
  await t.page.goto(`${origin}/`)
  const sealedText = await t.page.getByTestId("sealed").innerText()
  await t.page.getByLabel("暗証番号").fill(PIN)
  await t.page.getByRole("button", { name: "開く" }).click()
  await t.page.getByText("まだ鍵がかかっています").waitFor()
  const afterExpiry = await dumpStorage(t.page)
  await startServer()
  await t.page.reload()
  await unlock(t.page)
  await t.page.getByText("試験 花子").waitFor()
  await waitSent(t.page)
  const lead = await request.newContext({ baseURL: origin, extraHTTPHeaders: { Origin: origin } })
  await lead.post("/api/session", { data: { login: "lead-a", password: cfg.password } })
  const keptAndSent = JSON.stringify(await (await lead.get(`/api/residents/${rid}/document`)).json()).includes(OFFLINE_NOTE)
  await t.context.close()

  // 5. Ten wrong PINs erase it (with a warning before the last tries).
  t = await tablet("commissioner")
  await t.page.goto(`${origin}/`)
  await t.page.getByLabel("暗証番号").waitFor()
  let warnedAt = null
  for (let i = 1; i <= 10; i++) {
    await t.page.getByLabel("暗証番号").fill(String(100000 + i))
    await t.page.getByRole("button", { name: "開く" }).click()
    if (i < 10) {
      // Each try is counted before the next (the count persists in the vault record).
      await waitFor(`wrong PIN ${i} counted`, () => t.page.evaluate(n => window.mimamori.get().pinFailures === n, i))
      await t.page.getByText("暗証番号がちがいます。").waitFor()
      if (warnedAt === null && (await t.page.getByTestId("pin-warning").count())) warnedAt = i
    }
  }
  const erasedText = await erasedScreen(t.page)
  const afterWrongPins = await dumpStorage(t.page)

  // 6. The assignment of 試験 花子 ends: she leaves the tablet at its next contact.
  await t.page.getByRole("button", { name: "ログインし直す" }).click()
  await login(t.page, "comm-a")
  await t.page.getByText("試験 花子").waitFor()
  const admin = await request.newContext({ baseURL: origin, extraHTTPHeaders: { Origin: origin } })
  await admin.post("/api/session", { data: { login: "admin", password: cfg.password } })
  const yesterday = new Date(Date.now() + 9 * 3600_000 - day).toISOString().slice(0, 10)
  const ended = await admin.post(`/api/admin/assignments/${cfg.assignmentA1}/end`, { data: { ends_on: yesterday } })
  if (!ended.ok()) throw new Error(`end assignment: ${ended.status()} ${await ended.text()}`)
  await t.page.reload()
  await unlock(t.page)
  await t.page.getByRole("heading", { name: "わたしの見守り" }).waitFor()
  // On the list itself: the lock screen (idle lock) shows no resident either.
  const onList = () => t.page.getByRole("heading", { name: "わたしの見守り" }).count()
  await waitFor("the resident gone from the list", async () => (await onList()) > 0 && (await t.page.getByText("試験 花子").count()) === 0)
  // The residents' documents' records (automerge-repo also keeps its own storage id, which is no
  // document; the commissioner's own activity log stays, it is no resident's).
  const docRecords = async () => {
    const log = await t.page.evaluate(() => (localStorage.getItem("mimamori.activityLog") ?? "").replace(/^"automerge:|"$/g, ""))
    return (await dumpStorage(t.page)).records
      .filter(r => !r.key.includes("storage-adapter-id") && !(log && r.key.includes(log)))
      .map(r => r.key)
  }
  const recordsAfterEnd = await waitFor("the document's records deleted", async () => ((await docRecords()).length === 0 ? "none" : null), 5000, 100)
    .then(() => [])
    .catch(() => docRecords())

  // 6b. Assigned to her again, she comes back (a document once deleted here may be stored again).
  //     Then the tablet is closed before it stored her document (as after a reload within the save
  //     throttle), and this assignment ends too: at the next start she must still leave the list,
  //     with nothing of hers left behind (there is no document to compare, only sync state).
  const again = await admin.post("/api/admin/assignments", {
    data: { resident_id: cfg.residents.rA1, commissioner_id: cfg.users["comm-a"], starts_on: yesterday },
  })
  if (!again.ok()) throw new Error(`assign again: ${again.status()} ${await again.text()}`)
  const assignmentAgain = (await again.json()).id
  await t.page.reload()
  await unlock(t.page)
  await t.page.getByText("試験 花子").waitFor()
  const isChunk = k => k.includes("snapshot") || k.includes("incremental")
  const storedAgain = await waitFor("her document stored here again", async () => ((await docRecords()).some(isChunk) ? true : null))
  await t.page.reload() // the lock screen: no store open while her records are taken away
  await t.page.getByLabel("暗証番号").waitFor()
  await t.page.evaluate(async name => {
    const db = await new Promise((res, rej) => {
      const r = indexedDB.open(name)
      r.onsuccess = () => res(r.result)
      r.onerror = () => rej(r.error)
    })
    const tx = db.transaction("documents", "readwrite")
    const store = tx.objectStore("documents")
    const keys = await new Promise(res => (store.getAllKeys().onsuccess = e => res(e.target.result)))
    for (const k of keys) if (!JSON.stringify(k).includes("storage-adapter-id")) store.delete(k)
    await new Promise(res => (tx.oncomplete = res))
    db.close()
  }, "mimamori")
  const endedAgain = await admin.post(`/api/admin/assignments/${assignmentAgain}/end`, { data: { ends_on: yesterday } })
  if (!endedAgain.ok()) throw new Error(`end again: ${endedAgain.status()} ${await endedAgain.text()}`)
  await unlock(t.page)
  await waitFor("the unstored resident gone from the list", async () => (await onList()) > 0 &&
      (await t.page.evaluate(rid => !window.mimamori.get().docs.some(d => d.residentId === rid), cfg.residents.rA1)),
  )
  const recordsAfterUnstoredEnd = await waitFor("nothing of hers stored", async () => ((await docRecords()).length === 0 ? "none" : null), 5000, 100)
    .then(() => [])
    .catch(() => docRecords())

  // 7. The administrator revokes the tablet on the devices screen: it erases itself and says so;
  //    the screen and the audit log show the confirmed erase.
  const office = await tablet("admin")
  let officeSockets = 0
  office.page.on("websocket", () => officeSockets++)
  await office.page.goto(`${origin}/#/login`)
  await office.page.getByLabel("ログイン名").fill("admin")
  await office.page.getByLabel("パスワード").fill(cfg.password)
  await office.page.getByRole("button", { name: "ログイン" }).click()
  await office.page.getByLabel("暗証番号").fill(PIN)
  await office.page.getByLabel("もう一度").fill(PIN)
  await office.page.getByRole("button", { name: "決める" }).click()
  await office.page.getByRole("link", { name: "タブレットの管理" }).click()
  const row = office.page.getByTestId("device").filter({ hasText: "comm-a tablet" })
  const rowBefore = await row.innerText()
  // The administrator's app holds no records: it does not sync and shows no sync state (it retried
  // a refused /sync every 3 s and said オフライン).
  await office.page.waitForTimeout(3500)
  const officeSync = await office.page.locator('[data-testid="net"], [data-testid="pending"], [data-testid="last-sync"]').count()
  office.page.once("dialog", d => d.accept())
  const device = { id: cfg.devices["comm-a"] }
  // The tablet is in use (open, not idle-locked: a locked app hears of it at its next check, ≤ 60 s).
  // The idle lock (5 s here) may be reloading the page right now: wait for the lock screen or the
  // list, and unlock until the list shows.
  const home = t.page.getByRole("heading", { name: "わたしの見守り" })
  const locked = t.page.getByRole("heading", { name: "暗証番号を入れてください" })
  // An unlock takes a moment (PBKDF2): wait for the list after it, not for "the list or the lock
  // screen", which is still the lock screen and would start a second unlock into a page reloading
  // under it (a loaded machine saw the PIN field empty and 「6〜12桁」 three times over).
  for (let i = 0; i < 5 && !(await home.isVisible()); i++) {
    await home.or(locked).first().waitFor()
    if ((await locked.isVisible()) && !(await home.isVisible())) {
      await unlock(t.page)
      await home.waitFor({ timeout: 15_000 }).catch(() => {})
    }
  }
  await home.waitFor()
  const revokedAt = Date.now()
  await row.getByRole("button", { name: "利用停止" }).click()
  await t.page.getByTestId("erased").waitFor({ timeout: 20_000 })
  const revokedWipeMs = Date.now() - revokedAt
  const revokedText = await erasedScreen(t.page)
  const afterRevoke = await dumpStorage(t.page)
  // The tablet confirms the erase to the server as soon as it can; the devices screen shows what the
  // server had when it loaded: reopen it until the confirmation is there.
  await waitFor(
    "消去済み on the devices screen",
    async () => {
      await office.page.reload()
      await office.page.getByLabel("暗証番号").fill(PIN)
      await office.page.getByRole("button", { name: "開く" }).click() // back on the devices screen
      await row.waitFor()
      return (await row.getByText("消去済み").count()) > 0
    },
    60_000,
    1000,
  )
  const rowAfter = await row.innerText()
  const auditRes = await admin.get("/api/admin/audit")
  const audit = await auditRes.json()
  if (!Array.isArray(audit)) throw new Error(`audit log: ${auditRes.status()} ${JSON.stringify(audit).slice(0, 300)}`)
  const wipedAudit = audit.filter(e => e.action === "device.wiped" && e.target_id === device.id).length
  const deviceAudit = {}
  for (const e of audit.filter(e => e.target_id === device.id && e.action.startsWith("device."))) {
    const reason = typeof e.detail === "string" ? JSON.parse(e.detail).reason : e.detail?.reason
    const k = reason ? `${e.action}:${reason}` : e.action
    deviceAudit[k] = (deviceAudit[k] ?? 0) + 1
  }
  log("done")
  return {
    records: stored.records.length,
    storedBytes: stored.records.reduce((n, r) => n + Buffer.from(r.data, "base64").length, 0),
    loadable,
    plainHits,
    otherHits,
    disk,
    unlockMs,
    idleLockedAfterMs,
    warning,
    sealedText,
    afterExpiry: { records: afterExpiry.records.length, vault: afterExpiry.localStorage.includes("mimamori.vault") },
    keptAndSent,
    warnedAt,
    erasedText,
    afterWrongPins: { records: afterWrongPins.records.length, vault: afterWrongPins.localStorage.includes("mimamori.vault") },
    recordsAfterEnd,
    storedAgain,
    recordsAfterUnstoredEnd,
    revokedWipeMs,
    revokedText,
    afterRevoke: { records: afterRevoke.records.length, vault: afterRevoke.localStorage.includes("mimamori.vault") },
    wipedAudit,
    deviceAudit,
    assignmentEndAudit: audit.filter(e => e.action === "assignment.end" && e.target_id === cfg.assignmentA1).length,
    rowBefore,
    rowAfter,
    pin: PIN.length,
    pinScreenNet,
    officeSync,
    officeSockets,
  }
})
