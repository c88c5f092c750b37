// A record being written is never lost, and the lock screen never claims 送信済み: offline, with one
// record unsent, the commissioner chooses 訪問/会えた, marks the mailbox and types a memo; the idle
// lock reloads the page to the PIN screen (which must not say 送信済み); after the PIN the form comes
// back as it was, with a line saying so, and again after a reload (a crash). A draft thrown away on
// purpose stays gone; a saved record leaves no draft behind. Back online, 送信済み once really sent.
// The 個別避難計画 form keeps its draft the same way (through a reload), and not after saving.
import {
  cfg,
  ergonomics,
  readyInTheField,
  log,
  origin,
  recordContact,
  reload,
  run,
  startServer,
  statusText,
  stopServer,
  tablet,
  unlock,
  waitFor,
} from "./lib.mjs"

const MEMO = "玄関で少しふらついていた。娘さんに電話すると話していた（書きかけ試験）"
const MEMO2 = "二回目の書きかけ: 灯油の残りが少ない（試験）"
const PLAN_HELPER = "近所 一郎（書きかけの計画）"
const LOCK_HEADING = "暗証番号を入れてください"

/** The record form for `rid`, opened from the resident's page, with its draft read from the store. */
async function openForm(page, rid) {
  await page.goto(`${origin}/#/r/${rid}`)
  await page.getByTestId("resident-name").waitFor()
  await page.getByRole("link", { name: "記録する" }).click()
  await draftRead(page)
}

/** The form is on screen and has read its draft from the store (an app without drafts: at once). */
async function draftRead(page) {
  await page.getByRole("heading", { name: /^記録する/ }).waitFor()
  await waitFor("the draft read", async () => (await page.locator("form.record").getAttribute("data-draft")) !== "reading")
}

/** What the form shows: the draft line, the choices, the memo. */
async function formState(page) {
  const notice = page.getByTestId("draft-restored")
  const checked = async (testid, name) =>
    (await page.getByTestId(testid).getByRole("radio", { name, exact: true }).getAttribute("aria-checked")) === "true"
  return {
    notice: (await notice.count()) > 0 ? await notice.innerText() : null,
    discardButton: await page.getByRole("button", { name: "書きかけを捨てる" }).count(),
    visit: await checked("kind", "訪問"),
    met: await checked("outcome", "会えた"),
    mailboxConcern:
      (await page.locator('[data-check="mailbox"]').getByRole("radio", { name: "気になる" }).getAttribute("aria-checked")) === "true",
    memo: await page.getByLabel("メモ").inputValue(),
  }
}

/** Fills the draft: 訪問, 会えた, 郵便受け 気になる, a memo. */
async function writeDraft(page, memo) {
  await page.getByTestId("kind").getByRole("radio", { name: "訪問" }).click()
  await page.getByTestId("outcome").getByRole("radio", { name: "会えた", exact: true }).click()
  await page.locator('[data-check="mailbox"]').getByRole("radio", { name: "気になる" }).click()
  await page.getByLabel("メモ").fill(memo)
}

/** Whether `text` is stored anywhere readable: localStorage, or in plain bytes in IndexedDB. */
async function plainCopies(page, text) {
  return page.evaluate(async text => {
    const needle = new TextEncoder().encode(text)
    const has = b => {
      outer: for (let i = 0; i + needle.length <= b.length; i++) {
        for (let j = 0; j < needle.length; j++) if (b[i + j] !== needle[j]) continue outer
        return true
      }
      return false
    }
    const out = { localStorage: JSON.stringify({ ...localStorage }).includes(text), indexedDb: false, draftRecords: 0 }
    for (const info of await indexedDB.databases()) {
      const db = await new Promise((res, rej) => {
        const r = indexedDB.open(info.name)
        r.onsuccess = () => res(r.result)
        r.onerror = () => rej(r.error)
      })
      for (const name of db.objectStoreNames) {
        const [values, keys] = await Promise.all(
          ["getAll", "getAllKeys"].map(
            op =>
              new Promise(res => {
                const r = db.transaction(name).objectStore(name)[op]()
                r.onsuccess = () => res(r.result)
              }),
          ),
        )
        values.forEach((v, i) => {
          if (JSON.stringify(keys[i]).includes("draft")) out.draftRecords++
          const visit = v => {
            if (v instanceof Uint8Array) out.indexedDb ||= has(v)
            else if (v instanceof ArrayBuffer) out.indexedDb ||= has(new Uint8Array(v))
            else if (typeof v === "string") out.indexedDb ||= v.includes(text)
            else if (v && typeof v === "object") Object.values(v).forEach(visit)
          }
          visit(v)
        })
      }
      db.close()
    }
    return out
  }, text)
}

/** Nobody touches the tablet, but the story needs it open: a key press now and then (not a tap). */
const nudge = page => page.keyboard.press("Shift").catch(() => {})

run(async () => {
  const rid = cfg.residents.rA1
  const idleSecs = Number(cfg.env?.MIMAMORI_IDLE_LOCK_SECS ?? 300)
  await startServer()
  const { page } = await tablet("commissioner")
  // Everything received is stored on the tablet before the signal goes (as in every field story:
  // stopped 2 s after the login, a loaded CI machine had not yet stored the resident, and the list
  // came back empty offline until the idle lock).
  await readyInTheField(page)

  // In the field, no signal. A fresh start (the short idle lock applies from here).
  await stopServer()
  await reload(page)
  await page.getByText("試験 花子").waitFor()
  await recordContact(page, rid, { kind: "電話", outcome: "応答なし", note: "電話に出られなかった（試験）" })
  await waitFor("未送信 1件", async () => (await statusText(page)) === "未送信 1件")

  // A new record, half written, then the tablet is put down.
  await openForm(page, rid)
  const fresh = await formState(page)
  await writeDraft(page, MEMO)
  const typedAt = Date.now()

  // The idle lock: the page reloads to the PIN screen.
  await page.getByRole("heading", { name: LOCK_HEADING }).waitFor({ timeout: (idleSecs + 20) * 1000 })
  const lockedAfterMs = Date.now() - typedAt
  const lockStatus = await statusText(page)
  const lockStatusState = await page.getByTestId("pending").getAttribute("data-state")
  const lockScreenText = await page.locator("body").innerText()
  const stored = await plainCopies(page, MEMO)
  // The live region is the unsent count only, not the whole header.
  const liveRegions = await page.locator("[aria-live], [role=status], [role=alert]").evaluateAll(es =>
    es.map(e => `${e.tagName.toLowerCase()}${e.dataset.testid ? "#" + e.dataset.testid : ""}`),
  )
  const headerRole = await page.locator("header.status").getAttribute("role")

  // The PIN: the same form, as it was, with a line saying so.
  await unlock(page)
  await draftRead(page)
  const afterLock = await formState(page)
  const formErgonomics = await ergonomics(page)
  await waitFor("未送信 1件 after the PIN", async () => (await statusText(page)) === "未送信 1件")
  const statusAfterUnlock = await statusText(page)
  const facts = {
    idleSecs,
    fresh,
    lockedAfterMs,
    lockStatus,
    lockStatusState,
    lockScreenSaysSent: lockScreenText.includes("送信済み"),
    stored,
    liveRegions,
    headerRole,
    afterLock,
    formErgonomics,
    statusAfterUnlock,
    memo: MEMO,
    memo2: MEMO2,
  }
  // The draft was lost: nothing more to try (the test says what went wrong from these facts).
  if (afterLock.discardButton === 0) return facts

  // A crash (a reload): still there, opened again from the resident's page.
  await reload(page)
  await openForm(page, rid)
  const afterReload = await formState(page)

  // Thrown away on purpose (asked once more: a glove can tap by mistake), it stays gone.
  await page.getByRole("button", { name: "書きかけを捨てる" }).click()
  const confirmShown = await page.getByRole("button", { name: "捨てる", exact: true }).isVisible()
  await page.getByRole("button", { name: "捨てる", exact: true }).click()
  await page.getByTestId("draft-discarded").waitFor()
  const afterDiscard = await formState(page)
  await page.waitForTimeout(500)
  await reload(page)
  await openForm(page, rid)
  const afterDiscardReload = await formState(page)

  // Written again and saved: the record is kept, the draft is gone.
  await writeDraft(page, MEMO2)
  await page.waitForTimeout(500)
  await reload(page)
  await openForm(page, rid)
  const secondDraft = await formState(page)
  // Opened from a page scrolled to its end, the form starts at its top with the name in view.
  await page.goto(`${origin}/#/r/${rid}`)
  await page.getByTestId("resident-name").waitFor()
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight))
  const scrolledBy = await page.evaluate(() => window.scrollY)
  await page.evaluate(r => (location.hash = `#/r/${r}/record`), rid)
  await draftRead(page)
  const formOpened = await page.evaluate(() => ({
    scrollY: window.scrollY,
    headingTop: document.querySelector("h1")?.getBoundingClientRect().top ?? -1,
  }))
  await page.getByRole("button", { name: "保存する" }).click()
  await page.getByRole("heading", { name: "記録（新しい順）" }).waitFor()
  const savedLine = await page.getByTestId("saved").innerText()
  const savedOn = await page.evaluate(() => ({ hash: location.hash, scrollY: window.scrollY }))
  const savedContacts = await page.getByTestId("contact").allInnerTexts()
  await openForm(page, rid)
  const afterSave = await formState(page)
  await reload(page)
  await openForm(page, rid)
  const afterSaveReload = await formState(page)
  const storedAfterSave = await plainCopies(page, MEMO2)
  await waitFor("未送信 2件", async () => (await statusText(page)) === "未送信 2件")
  const statusBeforeSend = await statusText(page)

  // Back in signal: 送信済み once the server has both records.
  await startServer()
  const back = Date.now()
  await waitFor(
    "送信済み",
    async () => {
      await nudge(page)
      return (await statusText(page)) === "送信済み"
    },
    30_000,
    500,
  )
  const sentAfterMs = Date.now() - back
  log("sent", sentAfterMs, "ms after the server came back")

  // 書きかけの計画: the 個別避難計画 form keeps what is typed too — here through a crash (a reload);
  // saved, it leaves no draft behind.
  const planState = async () => {
    await page.getByRole("heading", { name: /^個別避難計画/ }).waitFor()
    await waitFor("the plan draft read", async () => (await page.locator("section.plan-form").getAttribute("data-draft")) === "read")
    const notice = page.getByTestId("plan-draft-restored")
    return {
      notice: (await notice.count()) > 0 ? await notice.innerText() : null,
      helper: await page.getByLabel("1人目の名前").inputValue(),
      oxygen: (await page.getByRole("checkbox", { name: "在宅酸素" }).getAttribute("aria-checked")) === "true",
    }
  }
  await page.goto(`${origin}/#/r/${rid}`)
  await page.getByRole("link", { name: "計画を作る" }).click()
  const planFresh = await planState()
  await page.getByRole("checkbox", { name: "在宅酸素" }).click()
  await page.getByLabel("1人目の名前").fill(PLAN_HELPER)
  await page.waitForTimeout(500)
  await reload(page)
  await page.goto(`${origin}/#/r/${rid}/plan`)
  const planAfterReload = await planState()
  await page.getByRole("button", { name: "保存する" }).click()
  await page.getByTestId("plan-card").getByText("在宅酸素").waitFor()
  await page.goto(`${origin}/#/r/${rid}/plan`)
  const planAfterSave = await planState()

  return {
    ...facts,
    afterReload,
    confirmShown,
    afterDiscard,
    afterDiscardReload,
    secondDraft,
    savedContacts,
    scrolledBy,
    formOpened,
    savedLine,
    savedOn,
    afterSave,
    afterSaveReload,
    storedAfterSave,
    statusBeforeSend,
    sentAfterMs,
    planHelper: PLAN_HELPER,
    planFresh,
    planAfterReload,
    planAfterSave,
  }
})
