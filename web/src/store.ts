// The app's data layer: the caller, the automerge-repo Repo (IndexedDB + WebSocket to /sync), the
// documents this tablet keeps, and what has not reached the server yet (未送信).
//
// "Sent" means the server has said so: every sync message from the server carries its heads, and the
// server only sends heads that include a change after that change is committed to its database. The
// Repo records those heads per document (`handle.getSyncInfo(serverStorageId)`); we also keep them in
// localStorage so that after an offline reload we still know what was sent. A contact is 未送信 while
// it is missing from the document as of the server's heads.

import {
  Automerge as A,
  Repo,
  type AutomergeUrl,
  type DocHandle,
  type PeerId,
  decodeHeads,
  type UrlHeads,
} from "@automerge/automerge-repo/slim"
import { IndexedDBStorageAdapter } from "@automerge/automerge-repo-storage-indexeddb"
import { TabletSocketAdapter, writeTo } from "./socket"
import { SCHEMA_VERSION, dayJst, nowJst, str, type ActivityKind, type ActivityLogDoc, type ResidentDoc } from "./schema"
import {
  isAuthor,
  referralsNewestFirst,
  writeReferral,
  writeReferralOutcome,
  type FinalOutcome,
  type ReferralInput,
} from "./referrals"
import { ackedHeads, unsentOf } from "./pending"
import { Drafts, draftKey, type RecordDraft } from "./draft"
import { vault, EncryptedStorage, DB_NAME, MAX_PIN_FAILURES, b64urlToBytes, bytesToB64url } from "./vault"
import { api, ApiError, type Me, type DocumentRef, type NoticeOut, type DeviceEvent } from "./api"

export interface DocEntry {
  url: AutomergeUrl
  residentId: string
  /** Contact interval in days (from the server; cached). */
  intervalDays: number
  doc?: ResidentDoc
  /** Contact ids this tablet holds that the server does not have yet. */
  pendingContacts: string[]
  /** A profile or review edit the server does not have yet. */
  pendingEdit: boolean
  unavailable?: boolean
  /** Registered from a tablet (新しく見守る方), not yet approved by the district lead. */
  awaitingApproval?: boolean
  /** Review marks in the document the server set aside → the mark it accepted ("" for none): see marks.ts. */
  setAsideReviews?: Record<string, string>
}

/** The app lock: "setup" (choose a PIN), "locked", "open", or why the local data is gone. */
export type Lock = "setup" | "locked" | "open" | "erased" | "revoked" | "expired"

export interface State {
  booted: boolean
  lock: Lock
  /** Wrong PINs so far (10 erase the local data). */
  pinFailures: number
  /** Days left before the local key is erased for want of a check-in (shown from 3 days before). */
  expiryWarningDays?: number
  /** The offline expiry sealed the store: records kept, the PIN opens it once the server is reached. */
  sealed?: boolean
  me?: Me
  /** We have a cached caller but the server refused the session: recording goes on, sync waits. */
  sessionExpired: boolean
  /** Connected to the server's sync endpoint. */
  online: boolean
  /** Last time the server acknowledged anything (ms). */
  lastSync?: number
  docs: DocEntry[]
  /** The caller's own activity log (定例会, 研修, 連絡調整 …) and its entries not yet sent. */
  activityLog?: { url: AutomergeUrl; doc?: ActivityLogDoc; pending: string[]; pendingEdit?: boolean }
  pending: number
  /** The activity log has been read from the store (or there is none here): its unsent part is known. */
  activityKnown: boolean
  /** お知らせ, 緊急 first then newest (cached for offline reading; the city's words, no resident data). */
  notices: NoticeOut[]
  unreadNotices: number
  /** Push notifications: "on", "off" (not asked / refused) or "unsupported". */
  push: "on" | "off" | "unsupported"
  /**
   * The server refused to store a change (a value too long, a record too large, the day's amount
   * spent): its reason code. The records stay here, unsent; cleared once nothing is unsent.
   */
  refused?: string
}

const LS_ME = "mimamori.me"
const LS_DOCS = "mimamori.docs" // [{url, residentId, intervalDays}] — ids only, no personal data
const LS_HEADS = "mimamori.serverHeads" // {documentUrl: hex heads}
const LS_LAST_SYNC = "mimamori.lastSync"
const LS_NOTICES = "mimamori.notices"
const LS_READ_QUEUE = "mimamori.readQueue" // notice ids read here, 既読 not yet at the server
const LS_IDLE = "mimamori.idleLockSecs"
const LS_ERASED = "mimamori.erased" // why the local data was erased, until the user has read it
const LS_PUSH_SENT = "mimamori.pushSent" // the subscription the server was last told (endpoint, keys)
const LS_EVENTS = "mimamori.deviceEvents" // lock events for the server's audit log, not yet sent
const LS_GONE = "mimamori.gone" // document ids deleted here: late writes for them are refused
const LS_EXPIRY = "mimamori.offlineExpiryDays"
const LS_ACTIVITY = "mimamori.activityLog" // the caller's activity log document url (an id, no data)

function load<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key)
    return raw ? (JSON.parse(raw) as T) : fallback
  } catch {
    return fallback
  }
}
function save(key: string, v: unknown) {
  localStorage.setItem(key, JSON.stringify(v))
}

type Listener = () => void

/**
 * Whether this role holds records on the device and syncs them: commissioners and district leads.
 * City staff and the administrator do not (their app would retry a /sync the server refuses, and
 * say オフライン while the network works).
 */
export function holdsRecords(me: Me | undefined): boolean {
  return me?.role === "commissioner" || me?.role === "district_lead"
}

export class Store {
  repo?: Repo
  private storage?: EncryptedStorage
  /** Half-written records, in the encrypted store (see draft.ts). */
  private drafts?: Drafts
  private refreshing?: Promise<void>
  private headsSaveTimer?: ReturnType<typeof setTimeout>
  private erasing = false
  private state: State
  private listeners = new Set<Listener>()
  private handles = new Map<AutomergeUrl, DocHandle<ResidentDoc>>()
  private activityHandle?: DocHandle<ActivityLogDoc>
  private serverHeads: Record<string, string[]> = load(LS_HEADS, {})
  private serverPeers = new Set<PeerId>()
  /** The documents the server listed last time (undefined before the first answer). */
  private listed?: Set<string>

  private idleLockSecs = load<number>(LS_IDLE, 300)
  private expiryDays = load<number>(LS_EXPIRY, 14)

  constructor() {
    const cachedMe = load<Me | undefined>(LS_ME, undefined)
    this.state = {
      booted: false,
      lock: (localStorage.getItem(LS_ERASED) as Lock | null) ?? (vault.exists() ? "locked" : "setup"),
      pinFailures: vault.failures(),
      me: cachedMe,
      sessionExpired: false,
      online: false,
      lastSync: load<number | undefined>(LS_LAST_SYNC, undefined),
      docs: load<Omit<DocEntry, "pendingContacts" | "pendingEdit">[]>(LS_DOCS, []).map(d => ({
        ...d,
        pendingContacts: [],
        pendingEdit: false,
      })),
      pending: 0,
      activityKnown: false,
      notices: [],
      unreadNotices: 0,
      push: "PushManager" in window && "Notification" in window ? "off" : "unsupported",
    }
    this.state = { ...this.state, ...noticeState(load<NoticeOut[]>(LS_NOTICES, [])) }
    window.addEventListener("pagehide", () => this.saveHeads())
  }

  /** Opens the encrypted store with the data key and starts syncing. */
  private start(key: CryptoKey) {
    const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/sync`
    const storage = new EncryptedStorage(new IndexedDBStorageAdapter(DB_NAME), key, load<string[]>(LS_GONE, []))
    this.storage = storage
    this.repo = new Repo({
      storage,
      network: holdsRecords(this.state.me) ? [new TabletSocketAdapter(wsUrl, 3000, reason => this.set({ refused: reason || "refused" }))] : [],
      // The server decides who may see a document; we never announce ours to anyone else.
      sharePolicy: async () => true,
    })
    this.repo.networkSubsystem.on("peer", ({ peerId }) => {
      this.serverPeers.add(peerId)
      this.set({ online: true })
      // Back in touch with the server: send queued 既読 marks, fetch notices.
      void this.refreshSession()
    })
    this.repo.networkSubsystem.on("peer-disconnected", ({ peerId }) => {
      this.serverPeers.delete(peerId)
      this.set({ online: this.serverPeers.size > 0 })
      // The server closes the connection when the session ends: find out whether that is why.
      setTimeout(() => void this.refreshSession(), 500)
    })
    this.drafts = new Drafts(storage)
    const log = load<AutomergeUrl | undefined>(LS_ACTIVITY, undefined)
    this.set({ lock: "open", pinFailures: 0, activityKnown: !log })
    for (const d of this.state.docs) void this.open(d.url)
    if (log) void this.openActivityLog(log)
    this.watchIdle()
  }

  /** After `idleLockSecs` without a touch the page reloads: the key leaves memory, the lock shows. */
  private watchIdle() {
    let last = Date.now()
    const touch = () => (last = Date.now())
    for (const e of ["pointerdown", "keydown", "touchstart"]) window.addEventListener(e, touch, { passive: true })
    let locking = false
    setInterval(() => {
      if (!locking && this.state.lock === "open" && Date.now() - last > this.idleLockSecs * 1000) {
        locking = true
        this.report({ event: "lock", at: Date.now() })
        // A draft being stored reaches the encrypted store first (it comes back after the PIN).
        void withTimeout(this.drafts?.flush() ?? Promise.resolve(), 3000)
          .catch(() => {})
          .finally(() => location.reload())
      }
    }, 1000)
  }

  /**
   * The check-in: the device's key share from the server (and the city's lock and expiry policy).
   * A revoked device is told so here and erases everything. Returns the share ("" for a session
   * without an enrolled device, e.g. a lead at the office PC) or undefined when the server could not
   * be reached (offline).
   */
  private async checkIn(): Promise<string | undefined> {
    try {
      const k = await api.keyShare()
      save(LS_IDLE, (this.idleLockSecs = k.idle_lock_secs))
      save(LS_EXPIRY, (this.expiryDays = k.offline_expiry_days))
      // Sealed at the offline expiry: the server, having checked the device, hands the share back.
      vault.restoreShare(k.key_share)
      vault.checkedIn()
      this.set({ sealed: false })
      return k.key_share
    } catch (e) {
      if (e instanceof ApiError && e.code === "device_revoked") {
        await this.wipe("revoked")
        return undefined
      }
      if (e instanceof ApiError && (e.status === 403 || e.status === 401)) {
        // Reached the server: it counts as a check-in (no device share for this session). A sealed
        // store opens again only with its share: "" for an office PC's, else after a login.
        if (vault.sealed() && !(e.status === 403 && vault.sealedShareless())) return undefined
        vault.restoreShare("")
        vault.checkedIn()
        this.set({ sealed: false })
        return ""
      }
      return undefined
    }
  }

  /** Queues a lock event for the server's audit log and tries to send the queue. */
  private report(e: DeviceEvent) {
    save(LS_EVENTS, [...load<DeviceEvent[]>(LS_EVENTS, []), e].slice(-100))
    void this.flushEvents()
  }

  private flushing?: Promise<void>

  /**
   * Sends the queued lock events (one send at a time). Also the start-up check by the device cookie
   * alone: a revoked tablet hears it here even when its session is long gone.
   */
  private flushEvents(): Promise<void> {
    this.flushing ??= (async () => {
      const events = load<DeviceEvent[]>(LS_EVENTS, [])
      try {
        await api.deviceEvents(events)
        save(LS_EVENTS, load<DeviceEvent[]>(LS_EVENTS, []).slice(events.length))
      } catch (e) {
        if (e instanceof ApiError && e.code === "device_revoked") {
          save(LS_EVENTS, load<DeviceEvent[]>(LS_EVENTS, []).slice(events.length))
          if (vault.exists() || this.repo) await this.wipe("revoked")
        } else if (e instanceof ApiError && e.status === 401) {
          // Not an enrolled tablet (a PC at the office): nothing to report to.
          localStorage.removeItem(LS_EVENTS)
        }
      } finally {
        this.flushing = undefined
      }
    })()
    return this.flushing
  }

  async wipe(why: "revoked" | "erased" | "expired") {
    this.erasing = true // nothing of this tablet's sync state is written back after the erase
    const unsent = load<DeviceEvent[]>(LS_EVENTS, [])
    await vault.erase()
    save(LS_EVENTS, unsent) // lock events are no resident data: they still go to the audit log
    if (why !== "revoked") this.report({ event: "erase", reason: why === "erased" ? "wrong_pins" : "expired", at: Date.now() })
    if (why === "revoked") await api.wiped().catch(() => {})
    localStorage.setItem(LS_ERASED, why)
    this.set({ lock: why, me: undefined, docs: [], activityLog: undefined, pending: 0, notices: [], unreadNotices: 0 })
    // The open store holds the database: a reload closes it so that the deletion completes.
    if (this.repo) location.reload()
  }

  /** The erase notice was read: start again from the login. */
  acknowledgeErase() {
    localStorage.removeItem(LS_ERASED)
    location.hash = "#/login"
    location.reload()
  }

  /** First use on this tablet (after the first login): choose the PIN. */
  async setupPin(pin: string) {
    const share = await this.checkIn()
    if (this.state.lock === "revoked") return
    if (share === undefined) throw new Error("offline")
    const me = this.state.me
    const key = await vault.setup(pin, share, { id: me?.id ?? "", login: me?.login ?? "", name: me?.display_name ?? "" })
    this.start(key)
  }

  /** The PIN, on every start and after the idle lock. */
  async unlock(pin: string): Promise<"ok" | "wrong" | "offline" | "hardware" | "sealed"> {
    // Online: a check-in first (a revoked tablet erases itself here). Offline: the cached share.
    await this.checkIn()
    if (this.state.lock === "revoked") return "ok"
    if (vault.cachedShare() === undefined) return vault.sealed() ? "sealed" : "offline"
    const key = await vault.unlock(pin)
    if (key === "hardware" || key === "sealed") return key
    if (key === "wrong") {
      const n = vault.failures()
      if (n >= MAX_PIN_FAILURES) {
        await this.wipe("erased")
      } else {
        this.set({ pinFailures: n })
      }
      return "wrong"
    }
    this.start(key)
    this.report({ event: "unlock", at: Date.now() })
    return "ok"
  }

  // --- a tiny external store for React (useSyncExternalStore) ---
  subscribe = (l: Listener) => {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }
  get = () => this.state
  private set(patch: Partial<State>) {
    this.state = { ...this.state, ...patch }
    if (this.state.refused && this.state.pending === 0 && patch.pending !== undefined) {
      this.state = { ...this.state, refused: undefined }
    }
    for (const l of this.listeners) l()
  }

  /** Start-up: who am I (cached when offline), which documents, open them all. */
  async boot() {
    navigator.storage?.persist?.().catch(() => {})
    if (localStorage.getItem(LS_ERASED)) {
      void this.flushEvents()
      this.set({ booted: true })
      return
    }
    // A revoked device learns it here, before the PIN is even asked (by its device cookie).
    await this.flushEvents()
    if (localStorage.getItem(LS_ERASED)) {
      this.set({ booted: true })
      return
    }
    await this.refreshSession()
    if (vault.exists() && this.state.lock !== "revoked") await this.checkIn()
    // Too long without reaching the server (city policy, D8): the cached key share goes, and with
    // it the PIN's power to open the store offline. The records stay — unsent ones included — and
    // open again once the server has confirmed this tablet is not revoked. Checked after trying to
    // check in, so a tablet back in signal after a long spell opens as usual.
    const last = vault.lastCheckIn()
    if (last !== undefined && this.state.lock !== "revoked") {
      const days = (Date.now() - last) / 86_400_000
      if (days >= this.expiryDays && !vault.sealed()) {
        vault.forgetShare()
        this.report({ event: "lock", at: Date.now() })
      }
      const left = Math.ceil(this.expiryDays - days)
      if (left <= 3 && left > 0) this.set({ expiryWarningDays: left })
    }
    this.set({ sealed: vault.sealed() })
    this.set({ booted: true })
    // Check in again when the network comes back or every minute.
    window.addEventListener("online", () => void this.refreshSession())
    setInterval(() => void this.refreshSession(), 60_000)
    // The service worker says when a push arrived: fetch the list then.
    navigator.serviceWorker?.addEventListener("message", e => {
      if (e.data?.type === "push") void this.refreshNotices()
    })
  }

  /**
   * Asks the server who we are and which documents we hold; keeps the cached answer offline. One
   * at a time: start-up, the minute timer, `online` and a reconnect may all ask at once.
   */
  refreshSession(): Promise<void> {
    this.refreshing ??= this.refreshSessionNow().finally(() => (this.refreshing = undefined))
    return this.refreshing
  }

  private async refreshSessionNow() {
    try {
      const me = await api.me()
      save(LS_ME, me)
      this.set({ me, sessionExpired: false })
      await Promise.all([this.refreshDocuments(), this.refreshNotices(), this.enablePush(false)])
    } catch (e) {
      if (e instanceof ApiError && e.code === "device_revoked") {
        await this.wipe("revoked")
        return
      }
      if (e instanceof ApiError && e.status === 401) {
        // Keep recording with the cached caller; only syncing needs the password again.
        this.set({ sessionExpired: !!this.state.me })
      }
      // Network errors: offline; keep what we have.
    }
  }

  private async refreshDocuments() {
    if (!holdsRecords(this.state.me)) return
    // The activity log on its own: a failure there must not hold up the residents' list.
    void api
      .activityLog()
      .then(log => {
        save(LS_ACTIVITY, log.document_url)
        if (this.repo) void this.openActivityLog(log.document_url as AutomergeUrl)
      })
      .catch(() => {})
    const [refs, residents] = await Promise.all([api.documents(), api.residents()])
    const interval = new Map(residents.map(r => [r.id, r.contact_interval_days]))
    const byUrl = new Map(this.state.docs.map(d => [d.url, d]))
    this.listed = new Set(refs.map(r => r.document_url))
    // A document deleted here once and now listed again (assigned anew) may be stored again.
    const gone = load<string[]>(LS_GONE, [])
    const back = gone.filter(id => this.listed?.has(`automerge:${id}`))
    if (back.length) {
      for (const id of back) this.storage?.allow(id)
      save(LS_GONE, gone.filter(id => !back.includes(id)))
    }
    const next: DocEntry[] = refs.map((r: DocumentRef) => {
      const old = byUrl.get(r.document_url as AutomergeUrl)
      return {
        url: r.document_url as AutomergeUrl,
        residentId: r.resident_id,
        intervalDays: interval.get(r.resident_id) ?? 7,
        awaitingApproval: r.status === "pending",
        setAsideReviews: r.set_aside_reviews ?? {},
        doc: old?.doc,
        pendingContacts: old?.pendingContacts ?? [],
        pendingEdit: old?.pendingEdit ?? false,
      }
    })
    // A document the server no longer lists (the assignment ended) stays while it holds unsent
    // changes, so nothing is stranded; otherwise it leaves this tablet, storage included. Its
    // history stays on the server for the successor.
    const leaving: AutomergeUrl[] = []
    for (const d of this.state.docs) {
      if (next.some(n => n.url === d.url)) continue
      // Only a document opened and compared with the server's heads is known to hold nothing
      // unsent; while locked (or still loading) it stays. One that is not stored here at all
      // (unavailable: a reload came before its first save) holds nothing either.
      const known = d.doc || (d.unavailable && !this.handles.get(d.url)?.isReady())
      if (!this.repo || !known || d.pendingContacts.length > 0 || d.pendingEdit) next.push(d)
      else leaving.push(d.url)
    }
    this.drop(leaving)
    this.setDocs(next)
    if (this.repo) for (const d of next) void this.open(d.url)
  }

  /** Deletes from this tablet documents it no longer holds (the store is open). */
  private drop(urls: AutomergeUrl[]) {
    if (!this.repo || urls.length === 0) return
    const gone = new Set(load<string[]>(LS_GONE, []))
    for (const url of urls) {
      this.handles.delete(url)
      this.repo.delete(url)
      delete this.serverHeads[url]
      const id = url.slice("automerge:".length)
      gone.add(id)
      void this.storage?.forget(id)
    }
    save(LS_GONE, [...gone])
    save(LS_HEADS, this.serverHeads)
  }

  /** A new document list: cached (ids only) for an offline start, then shown. */
  private setDocs(docs: DocEntry[]) {
    save(
      LS_DOCS,
      docs.map(d => ({
        url: d.url,
        residentId: d.residentId,
        intervalDays: d.intervalDays,
        awaitingApproval: d.awaitingApproval,
        setAsideReviews: d.setAsideReviews,
      })),
    )
    this.showDocs(docs)
  }

  private showDocs(docs: DocEntry[], activityLog = this.state.activityLog) {
    const pending =
      docs.reduce((n, d) => n + d.pendingContacts.length + (d.pendingEdit ? 1 : 0), 0) +
      (activityLog?.pending.length ?? 0) +
      (activityLog?.pendingEdit ? 1 : 0)
    this.set({ docs, activityLog, pending })
  }

  /** One document's state changed (every sync message): the cached list stays as it is. */
  private update(url: AutomergeUrl, patch: Partial<DocEntry>) {
    this.showDocs(this.state.docs.map(d => (d.url === url ? { ...d, ...patch } : d)))
  }

  /** Opens a document (from IndexedDB first, else from the server) and follows it. */
  async open(url: AutomergeUrl): Promise<DocHandle<ResidentDoc> | undefined> {
    const known = this.handles.get(url)
    if (known) return known
    if (!this.repo) return undefined
    let handle: DocHandle<ResidentDoc>
    try {
      // "unavailable" too: not stored here and no server yet (offline, or before the first
      // connection). The handle becomes ready when the server sends the document later.
      handle = await this.repo.find<ResidentDoc>(url, { allowableStates: ["ready", "unavailable"] })
    } catch {
      this.update(url, { unavailable: true })
      return undefined
    }
    if (this.handles.has(url)) return this.handles.get(url)
    this.handles.set(url, handle)
    if (!handle.isReady()) {
      this.update(url, { unavailable: true })
      // Not stored here and no longer the caller's: nothing of it can be unsent, and the server
      // will never send it; without this it would stay listed (and its sync state stored) for ever.
      if (this.listed && !this.listed.has(url)) {
        this.setDocs(this.state.docs.filter(d => d.url !== url))
        this.drop([url])
        return undefined
      }
      void handle.whenReady(["ready"]).then(() => this.recompute(url, handle))
    }
    const refresh = () => this.recompute(url, handle)
    this.follow(url, handle, refresh)
    return handle
  }

  /** Calls `refresh` on every change of the document and every report of the server's heads. */
  private follow<T>(url: AutomergeUrl, handle: DocHandle<T>, refresh: () => void) {
    handle.on("change", refresh)
    const remote = (heads: UrlHeads) => {
      const doc = handle.isReady() ? handle.doc() : undefined
      this.serverHeads[url] = ackedHeads(doc, this.serverHeads[url], decodeHeads(heads))
      this.saveHeadsSoon()
      this.set({ lastSync: Date.now() })
      refresh()
    }
    handle.on("remote-heads", ({ heads }) => remote(heads))
    // The server may have answered while `find` was still resolving (before this listener).
    for (const meta of Object.values(this.repo?.peerMetadataByPeerId ?? {})) {
      const heads = meta?.storageId ? handle.getSyncInfo(meta.storageId)?.lastHeads : undefined
      if (heads) remote(heads)
    }
    refresh()
  }

  /** Opens the caller's activity log (one per commissioner) and follows what of it is unsent. */
  private async openActivityLog(url: AutomergeUrl) {
    if (!this.repo || this.activityHandle?.url === url) return
    let handle: DocHandle<ActivityLogDoc>
    try {
      handle = await this.repo.find<ActivityLogDoc>(url, { allowableStates: ["ready", "unavailable"] })
    } catch {
      // Not stored here and not to be had: nothing of it can be unsent on this tablet.
      this.set({ activityKnown: true })
      return
    }
    if (this.activityHandle?.url === url) return
    this.activityHandle = handle
    const refresh = () => {
      const doc = handle.isReady() ? handle.doc() : undefined
      if (!doc) return
      const unsent = unsentOf(doc, this.serverHeads[url], "activities")
      const prev = this.state.activityLog
      const pending = unsent ? unsent.contacts : (prev?.pending ?? [])
      // An entry taken back that the server still counts (known only once the server has reported).
      const pendingEdit = unsent ? !!this.serverHeads[url] && unsent.edit : !!prev?.pendingEdit
      this.showDocs(this.state.docs, { url, doc: doc as ActivityLogDoc, pending, pendingEdit })
    }
    if (!handle.isReady()) void handle.whenReady(["ready"]).then(refresh)
    this.follow(url, handle, refresh)
    // Read (ready: its unsent entries are counted now) or not stored here (nothing of it unsent).
    this.set({ activityKnown: true })
  }

  /** Takes back a mistaken activity entry (here at once; the server's count follows when sent). */
  removeActivity(id: string) {
    this.change(this.activityHandle, d => {
      delete (d.activities as unknown as Record<string, unknown>)[id]
    })
  }

  /**
   * 新しく見守る方を登録: a resident the commissioner noticed in the field, as a new document made
   * here (offline too). The tablet offers it to the server at its next sync; the server registers
   * the resident as awaiting the district lead's approval, assigned to this commissioner. Until the
   * server lists it, it is this tablet's own entry (kept while unsent, like any record).
   */
  registerResident(p: { name: string; kana: string; address: string; noticed: string }): AutomergeUrl | undefined {
    if (!this.repo) return undefined
    const I = (v: string) => new A.ImmutableString(v.trim())
    const handle = this.repo.create<Record<string, unknown>>({
      schema: SCHEMA_VERSION,
      residentId: I(""),
      profile: {
        name: I(p.name),
        kana: I(p.kana),
        address: I(p.address),
        phone: I(""),
        household: I(""),
        categories: [],
        emergencyContacts: [],
        notes: I(p.noticed),
      },
      contacts: {},
      reviews: {},
    })
    const url = handle.url
    this.setDocs([
      ...this.state.docs,
      {
        url,
        residentId: `new-${url.slice("automerge:".length)}`,
        intervalDays: 7,
        pendingContacts: [],
        pendingEdit: true,
        awaitingApproval: true,
      },
    ])
    void this.open(url)
    return url
  }

  /** Records one of the caller's own activities (saved here at once; sent when online). */
  recordActivity(a: { date: string; kind: ActivityKind; note: string }): boolean {
    const handle = this.activityHandle
    if (!handle?.isReady()) return false
    const id = crypto.randomUUID()
    const I = (v: string) => new A.ImmutableString(v)
    this.change(handle, d => {
      if (!d.activities) (d as { activities: object }).activities = {}
      ;(d.activities as unknown as Record<string, unknown>)[id] = {
        id: I(id),
        date: I(a.date),
        kind: I(a.kind),
        note: I(a.note.trim()),
        createdAt: I(nowJst()),
      }
    })
    return true
  }

  // --- つなぎ (referrals), in the resident's document: sent like its contacts (until the server has
  // them, the document is 未送信) ---

  /**
   * Records a referral for the resident (saved here at once; sent when online) and returns its id.
   * A lead may not have opened the document yet: it is opened first. Throws, in words, when the
   * document is not here to write to.
   */
  async recordReferral(entry: DocEntry, r: ReferralInput): Promise<string> {
    const handle = await this.writable(entry)
    const me = this.state.me!
    const id = crypto.randomUUID()
    this.change(handle, d => writeReferral(d, id, r, me.id, nowJst()))
    return id
  }

  /** The author records what came of their referral (today, Japan time); others cannot (thrown). */
  async setReferralOutcome(entry: DocEntry, id: string, outcome: FinalOutcome, note: string): Promise<void> {
    const handle = await this.writable(entry)
    const me = this.state.me!
    const r = referralsNewestFirst(handle.doc()).find(x => str(x.id) === id)
    if (!r || !isAuthor(r, me.id)) throw new Error("このつなぎの結果は、記録した方だけが入れられます。")
    this.change(handle, d => {
      writeReferralOutcome(d, id, outcome, note, dayJst(nowJst()), me.id)
    })
  }

  /** The resident's document, opened and ready to write, with the caller known. */
  private async writable(entry: DocEntry): Promise<DocHandle<ResidentDoc>> {
    const handle = this.handles.get(entry.url) ?? (await this.open(entry.url))
    if (!handle?.isReady() || !this.state.me)
      throw new Error("この方の記録をまだ読み込めていません。しばらくしてから、もう一度お試しください。")
    return handle
  }

  /**
   * The server's heads (and the last sync time) reach localStorage at most once a second, and when
   * the page goes: a first sync of many documents would otherwise rewrite the whole map per
   * document. A write lost to a crash only over-reports 未送信 until the next sync.
   */
  private saveHeadsSoon() {
    this.headsSaveTimer ??= setTimeout(() => this.saveHeads(), 1000)
  }

  private saveHeads() {
    clearTimeout(this.headsSaveTimer)
    this.headsSaveTimer = undefined
    if (this.erasing) return
    save(LS_HEADS, this.serverHeads)
    if (this.state.lastSync) save(LS_LAST_SYNC, this.state.lastSync)
  }

  handle(url: AutomergeUrl) {
    return this.handles.get(url)
  }

  /** Writes to a document here (see `writeTo`); false when there is no such document. */
  change<T>(handle: DocHandle<T> | undefined, fn: (d: T) => void): boolean {
    if (!handle) return false
    writeTo(handle, fn)
    return true
  }

  // --- 書きかけの記録 (drafts of the record form), in the encrypted store, per resident ---

  private draftKeyOf(residentId: string) {
    const url = this.state.docs.find(d => d.residentId === residentId)?.url
    return url ? draftKey(url.slice("automerge:".length), residentId) : undefined
  }

  /** The resident's half-written record kept on this tablet, if any (the store must be open). */
  async loadDraft(residentId: string): Promise<RecordDraft | undefined> {
    const key = this.draftKeyOf(residentId)
    return key && this.drafts ? this.drafts.load(key) : undefined
  }

  /** Keeps the form as it is now (a blank form keeps nothing). */
  saveDraft(residentId: string, draft: RecordDraft): Promise<void> {
    const key = this.draftKeyOf(residentId)
    return key && this.drafts ? this.drafts.put(key, draft) : Promise.resolve()
  }

  /** The record was saved, or the user threw the draft away. */
  discardDraft(residentId: string): Promise<void> {
    const key = this.draftKeyOf(residentId)
    return key && this.drafts ? this.drafts.remove(key) : Promise.resolve()
  }

  /** What of this document the server has not acknowledged. */
  private recompute(url: AutomergeUrl, handle: DocHandle<ResidentDoc>) {
    if (!handle.isReady()) return
    const doc = handle.doc()
    if (!doc) return
    const plain = doc as ResidentDoc
    const entry = this.state.docs.find(d => d.url === url)
    let pendingContacts = entry?.pendingContacts ?? []
    let pendingEdit = entry?.pendingEdit ?? false
    const unsent = unsentOf(doc, this.serverHeads[url])
    // undefined: the server has changes we have not received yet; keep the last answer until then.
    if (unsent) {
      pendingContacts = unsent.contacts
      pendingEdit = unsent.edit
    }
    this.update(url, { doc: plain, pendingContacts, pendingEdit, unavailable: false })
    // No longer the caller's (assignment ended) and nothing unsent: it leaves this tablet now.
    if (this.listed && !this.listed.has(url) && pendingContacts.length === 0 && !pendingEdit) {
      this.setDocs(this.state.docs.filter(d => d.url !== url))
      this.drop([url])
    }
  }

  /** Logs in (online only) and re-opens the documents. */
  async login(login: string, password: string) {
    let me: Me
    try {
      me = await api.login(login, password)
    } catch (e) {
      if (e instanceof ApiError && e.code === "device_revoked") await this.wipe("revoked")
      throw e
    }
    save(LS_ME, me)
    this.set({ me, sessionExpired: false })
    // A store sealed at the offline expiry needs this login's check-in to open again.
    if (vault.sealed()) await this.checkIn()
    await Promise.all([this.refreshDocuments(), this.refreshNotices(), this.enablePush(false)])
  }

  // --- お知らせ ---

  /** Sends queued 既読 marks, then fetches the list (keeps the cached one when offline). */
  async refreshNotices() {
    await this.flushReads()
    try {
      const list = await api.notices()
      const queued = new Set(load<string[]>(LS_READ_QUEUE, []))
      const merged = list.map(n => (queued.has(n.id) ? { ...n, read: true } : n))
      save(LS_NOTICES, merged)
      this.set(noticeState(merged))
    } catch {
      /* offline: the cached list stays */
    }
  }

  /** Opening a notice records 既読: at once when online, else queued and sent on reconnect. */
  async markNoticeRead(id: string) {
    const n = this.state.notices.find(x => x.id === id)
    if (!n || n.read) return
    const list = this.state.notices.map(x => (x.id === id ? { ...x, read: true } : x))
    save(LS_NOTICES, list)
    save(LS_READ_QUEUE, [...new Set([...load<string[]>(LS_READ_QUEUE, []), id])])
    this.set(noticeState(list))
    await this.flushReads()
  }

  private async flushReads() {
    for (const id of load<string[]>(LS_READ_QUEUE, [])) {
      try {
        await api.markRead(id)
      } catch (e) {
        // 404: withdrawn or not ours any more — nothing to keep. Otherwise retry later.
        if (!(e instanceof ApiError && e.status === 404)) return
      }
      save(LS_READ_QUEUE, load<string[]>(LS_READ_QUEUE, []).filter(x => x !== id))
    }
  }

  /**
   * Subscribes this tablet to push notifications with the server's key. `ask`: may show the
   * browser's permission question (only from a tap); otherwise only when already allowed.
   */
  async enablePush(ask: boolean) {
    if (this.state.push === "unsupported" || !this.state.me) return
    try {
      let permission = Notification.permission
      if (permission === "default" && ask) permission = await Notification.requestPermission()
      if (permission !== "granted") return
      const reg = await navigator.serviceWorker.ready
      const { public_key } = await api.pushKey()
      let sub = await reg.pushManager.getSubscription()
      const current = sub?.options?.applicationServerKey
      if (sub && current && bytesToB64url(new Uint8Array(current)) !== public_key) {
        await sub.unsubscribe() // the city rotated its key
        sub = null
      }
      sub ??= await withTimeout(
        reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64urlToBytes(public_key) }),
        15_000,
      )
      // Told to the server once per subscription and user, not at every check-in.
      const told = JSON.stringify([this.state.me.id, sub.toJSON()])
      if (localStorage.getItem(LS_PUSH_SENT) !== told) {
        await api.subscribe(sub.toJSON())
        localStorage.setItem(LS_PUSH_SENT, told)
      }
      this.set({ push: "on" })
    } catch (e) {
      console.warn("push subscription failed", e instanceof Error ? e.message : e)
    }
  }

  async logout() {
    await api.logout().catch(() => {})
    localStorage.removeItem(LS_ME)
    this.set({ me: undefined })
  }
}

function noticeState(notices: NoticeOut[]) {
  const rank = (p: string) => (p === "urgent" ? 0 : p === "important" ? 1 : 2)
  const sorted = [...notices].sort((a, b) => rank(a.priority) - rank(b.priority) || (b.sent_at ?? 0) - (a.sent_at ?? 0))
  return { notices: sorted, unreadNotices: sorted.filter(n => !n.read).length }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error("timed out")), ms))])
}
