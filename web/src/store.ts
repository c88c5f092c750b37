// The app's data layer, as the screens see it: one Store, a facade over the modules in store/, each
// owning one concern and its localStorage keys (all "mimamori.*"):
//
//   store/state.ts          State, DocEntry, and the tiny external store React subscribes to
//   store/session.ts        the caller: login, logout, asking the server again      me
//   store/lock.ts           PIN, unlock, idle lock, erase                            erased
//   store/check-in.ts       key share, the city's lock and expiry policy             idleLockSecs, offlineExpiryDays
//   store/device-events.ts  lock events for the audit log                            deviceEvents
//   store/sync.ts           the Repo, its encrypted storage, the socket to /sync     gone
//   store/unsent.ts         what the server has acknowledged; the 未送信 count       serverHeads, lastSync
//   store/documents.ts      the residents' documents, registering, つなぎ            docs
//   store/activity-log.ts   the caller's activity log                                activityLog
//   store/drafts.ts         half-written records (in the encrypted store)
//   store/notices.ts        お知らせ and queued 既読 marks                            notices, readQueue
//   store/push.ts           the Web Push subscription                                pushSent
//
// This file wires them together and runs the start-up (`boot`) and the opening of the store.

import type { AutomergeUrl } from "@automerge/automerge-repo/slim"
import type { ActivityKind } from "./schema"
import type { FinalOutcome, ReferralInput } from "./referrals"
import type { PlanDraft, RecordDraft } from "./draft"
import { vault } from "./vault"
import { writeSafety } from "./safety"
import { writePlan, type Plan } from "./evacuation"
import type { SafetyStatus } from "./disaster"
import { ActivityLog } from "./store/activity-log"
import { CheckIn } from "./store/check-in"
import { Updater } from "./store/update"
import { DeviceEvents } from "./store/device-events"
import { Documents, type NoticedResident } from "./store/documents"
import { RecordDrafts } from "./store/drafts"
import { AppLock } from "./store/lock"
import { Notices } from "./store/notices"
import { Push, pushSupport } from "./store/push"
import { Session, holdsRecords } from "./store/session"
import { StateCell, type DocEntry, type State } from "./store/state"
import { Sync, change } from "./store/sync"
import { ServerHeads } from "./store/unsent"

export type { DocEntry, Lock, State } from "./store/state"
export { holdsRecords } from "./store/session"

/** Everything as it stands before the start-up asks the server: what this tablet has cached. */
function cachedState(): State {
  return {
    booted: false,
    lock: AppLock.initial(),
    pinFailures: vault.failures(),
    me: Session.cachedMe(),
    sessionExpired: false,
    online: false,
    lastSync: ServerHeads.lastSync(),
    docs: Documents.cached(),
    pending: 0,
    activityKnown: false,
    ...Notices.cached(),
    push: pushSupport(),
  }
}

export class Store {
  private readonly cell = new StateCell(cachedState())
  private readonly heads = new ServerHeads(this.cell)
  private readonly sync = new Sync(this.cell, () => void this.refreshSession())
  private readonly events: DeviceEvents = new DeviceEvents(async () => {
    if (vault.exists() || this.sync.repo) await this.lock.wipe("revoked")
  })
  private readonly checkIn = new CheckIn(this.cell, this.events, () => this.lock.wipe("revoked"))
  private readonly drafts = new RecordDrafts(this.cell)
  private readonly lock: AppLock = new AppLock(this.cell, this.checkIn, this.events, {
    open: key => this.start(key),
    isOpen: () => !!this.sync.repo,
    erasing: () => this.heads.stop(),
    flushDrafts: () => this.drafts.flush(),
  })
  private readonly documents = new Documents(this.cell, this.sync, this.heads)
  private readonly activity = new ActivityLog(this.cell, this.sync, this.heads)
  private readonly updater = new Updater(this.cell, () => this.saveForReload())
  private readonly notices = new Notices(this.cell)
  private readonly push = new Push(this.cell)
  private readonly session: Session = new Session(this.cell, {
    revoked: () => this.lock.wipe("revoked"),
    checkIn: () => this.checkIn.run(),
    known: () => {
      this.updater.required(this.cell.get().me?.min_app_version)
      this.updater.check()
      return Promise.all([this.refreshRecords(), this.notices.refresh(), this.push.enable(false)])
    },
  })

  // --- a tiny external store for React (useSyncExternalStore) ---
  subscribe = this.cell.subscribe
  get = this.cell.get

  /** The automerge-repo Repo, once the PIN has opened the store. */
  get repo() {
    return this.sync.repo
  }

  /** Start-up: who am I (cached when offline), which documents, open them all. */
  async boot() {
    navigator.storage?.persist?.().catch(() => {})
    if (AppLock.erased()) {
      void this.events.flush()
      this.cell.set({ booted: true })
      return
    }
    // A revoked device learns it here, before the PIN is even asked (by its device cookie).
    await this.events.flush()
    if (AppLock.erased()) {
      this.cell.set({ booted: true })
      return
    }
    await this.refreshSession()
    await this.checkIn.atStart()
    this.cell.set({ booted: true })
    this.updater.watch()
    // Check in again when the network comes back or every minute.
    window.addEventListener("online", () => void this.refreshSession())
    setInterval(() => void this.refreshSession(), 60_000)
    // The service worker says when a push arrived: fetch the list then.
    navigator.serviceWorker?.addEventListener("message", e => {
      if (e.data?.type === "push") void this.notices.refresh()
    })
  }

  /** Opens the encrypted store with the data key and starts syncing. */
  private start(key: CryptoKey) {
    const storage = this.sync.start(key, holdsRecords(this.cell.get().me))
    this.drafts.open(storage)
    const log = ActivityLog.cachedUrl()
    this.cell.set({ lock: "open", pinFailures: 0, activityKnown: !log })
    this.documents.openAll()
    if (log) void this.activity.open(log)
    this.lock.watchIdle()
  }

  /**
   * Before a reload into a new version: the drafts and every document ready in memory are in the
   * store (automerge-repo saves a moment after a change; a reload must not come in between).
   */
  private async saveForReload() {
    await this.drafts.flush()
    const repo = this.sync.repo
    if (!repo) return
    const ready = Object.values(repo.handles)
      .filter(h => h.isReady())
      .map(h => h.documentId)
    await repo.flush(ready)
  }

  /** 「いま新しい版にする」: reloads into the new version if nothing is being written (else false). */
  applyUpdate = () => this.updater.apply()

  /** The documents and the activity log the caller holds, for the roles that keep records. */
  private async refreshRecords() {
    if (!holdsRecords(this.cell.get().me)) return
    this.activity.refresh()
    await this.documents.refresh()
  }

  // --- the caller and the lock ---

  refreshSession = () => this.session.refresh()
  login = (login: string, password: string) => this.session.login(login, password)
  logout = () => this.session.logout()
  setupPin = (pin: string) => this.lock.setupPin(pin)
  unlock = (pin: string) => this.lock.unlock(pin)
  wipe = (why: "revoked" | "erased" | "expired") => this.lock.wipe(why)
  acknowledgeErase = () => this.lock.acknowledgeErase()

  // --- records ---

  open = (url: AutomergeUrl) => this.documents.open(url)
  handle = (url: AutomergeUrl) => this.documents.handle(url)
  change = change
  registerResident = (p: NoticedResident) => this.documents.registerResident(p)
  recordReferral = (entry: DocEntry, r: ReferralInput) => this.documents.recordReferral(entry, r)
  setReferralOutcome = (entry: DocEntry, id: string, outcome: FinalOutcome, note: string) =>
    this.documents.setReferralOutcome(entry, id, outcome, note)
  recordActivity = (a: { date: string; kind: ActivityKind; note: string }) => this.activity.record(a)
  removeActivity = (id: string) => this.activity.remove(id)
  /** 災害モード: one 安否 record for a resident, in their document (saved here at once). */
  recordSafety = (entry: DocEntry, r: { disasterId: string; disasterKind: string; status: SafetyStatus; memo: string }): boolean => {
    const me = this.cell.get().me
    const handle = this.documents.handle(entry.url)
    if (!me || !handle?.isReady()) return false
    return change(handle, d => void writeSafety(d, { ...r, authorId: me.id }))
  }
  /** 個別避難計画: a new revision in the resident's document (saved here at once). */
  savePlan = (entry: DocEntry, p: Omit<Plan, "id" | "at" | "authorId">): boolean => {
    const me = this.cell.get().me
    const handle = this.documents.handle(entry.url)
    if (!me || !handle?.isReady()) return false
    return change(handle, d => void writePlan(d, { ...p, authorId: me.id }))
  }
  /** 災害モード: the caller's own status, in their activity log. */
  recordSelfSafety = (disasterId: string, status: "safe" | "needs_help") => this.activity.recordSelf(disasterId, status)
  /** The caller's activity log as it is here (their own statuses). */
  activityDoc = () => this.activity.doc()
  loadDraft = (residentId: string): Promise<RecordDraft | undefined> => this.drafts.load(residentId)
  saveDraft = (residentId: string, draft: RecordDraft) => this.drafts.save(residentId, draft)
  discardDraft = (residentId: string) => this.drafts.discard(residentId)
  loadPlanDraft = (residentId: string): Promise<PlanDraft | undefined> => this.drafts.loadPlan(residentId)
  savePlanDraft = (residentId: string, draft: PlanDraft) => this.drafts.savePlan(residentId, draft)
  discardPlanDraft = (residentId: string) => this.drafts.discardPlan(residentId)

  // --- お知らせ and push ---

  refreshNotices = () => this.notices.refresh()
  markNoticeRead = (id: string) => this.notices.markRead(id)
  enablePush = (ask: boolean) => this.push.enable(ask)
}
