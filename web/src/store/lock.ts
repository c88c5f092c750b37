// The app lock: choosing the PIN, unlocking with it, the idle lock, and erasing the tablet (10 wrong
// PINs, a revoked device, the offline expiry). The vault (vault.ts) keeps the key; this decides when
// it is used. Owns localStorage "mimamori.erased" (why the local data was erased, until the user has
// read it).

import { api } from "../api"
import { vault, MAX_PIN_FAILURES } from "../vault"
import type { CheckIn } from "./check-in"
import type { DeviceEvents } from "./device-events"
import type { Lock, StateCell } from "./state"
import { withTimeout } from "./util"

const LS_ERASED = "mimamori.erased"

/** What the lock asks of the rest of the store. */
export interface LockHooks {
  /** The PIN gave the data key: open the store. */
  open: (key: CryptoKey) => void
  /** Whether the store is open (holding the database: the erase needs a reload). */
  isOpen: () => boolean
  /** The erase begins: nothing of the sync state may be written back. */
  erasing: () => void
  /** Half-written records reach the encrypted store. */
  flushDrafts: () => Promise<void>
}

export class AppLock {
  constructor(
    private cell: StateCell,
    private checkIn: CheckIn,
    private events: DeviceEvents,
    private hooks: LockHooks,
  ) {}

  /** The lock at start: why the data was erased, else whether a PIN has been chosen. */
  static initial(): Lock {
    return (localStorage.getItem(LS_ERASED) as Lock | null) ?? (vault.exists() ? "locked" : "setup")
  }

  /** The tablet was erased and the user has not read why yet. */
  static erased(): boolean {
    return !!localStorage.getItem(LS_ERASED)
  }

  async wipe(why: "revoked" | "erased" | "expired") {
    this.hooks.erasing()
    // Lock events are no resident data: they still go to the audit log.
    await this.events.keptThrough(() => vault.erase())
    if (why !== "revoked") {
      this.events.report({ event: "erase", reason: why === "erased" ? "wrong_pins" : "expired", at: Date.now() })
    }
    if (why === "revoked") await api.wiped().catch(() => {})
    localStorage.setItem(LS_ERASED, why)
    this.cell.set({ lock: why, me: undefined, docs: [], activityLog: undefined, pending: 0, notices: [], unreadNotices: 0 })
    // The open store holds the database: a reload closes it so that the deletion completes.
    if (this.hooks.isOpen()) location.reload()
  }

  /** The erase notice was read: start again from the login. */
  acknowledgeErase() {
    localStorage.removeItem(LS_ERASED)
    location.hash = "#/login"
    location.reload()
  }

  /** First use on this tablet (after the first login): choose the PIN. */
  async setupPin(pin: string) {
    const share = await this.checkIn.run()
    if (this.cell.get().lock === "revoked") return
    if (share === undefined) throw new Error("offline")
    const me = this.cell.get().me
    const key = await vault.setup(pin, share, { id: me?.id ?? "", login: me?.login ?? "", name: me?.display_name ?? "" })
    this.hooks.open(key)
  }

  /** The PIN, on every start and after the idle lock. */
  async unlock(pin: string): Promise<"ok" | "wrong" | "offline" | "hardware" | "sealed"> {
    // Online: a check-in first (a revoked tablet erases itself here). Offline: the cached share.
    await this.checkIn.run()
    if (this.cell.get().lock === "revoked") return "ok"
    if (vault.cachedShare() === undefined) return vault.sealed() ? "sealed" : "offline"
    const key = await vault.unlock(pin)
    if (key === "hardware" || key === "sealed") return key
    if (key === "wrong") {
      const n = vault.failures()
      if (n >= MAX_PIN_FAILURES) {
        await this.wipe("erased")
      } else {
        this.cell.set({ pinFailures: n })
      }
      return "wrong"
    }
    this.hooks.open(key)
    this.events.report({ event: "unlock", at: Date.now() })
    return "ok"
  }

  /** After the idle lock's time without a touch the page reloads: the key leaves memory, the lock shows. */
  watchIdle() {
    let last = Date.now()
    const touch = () => (last = Date.now())
    for (const e of ["pointerdown", "keydown", "touchstart"]) window.addEventListener(e, touch, { passive: true })
    let locking = false
    setInterval(() => {
      if (!locking && this.cell.get().lock === "open" && Date.now() - last > this.checkIn.idleLockSecs * 1000) {
        locking = true
        this.events.report({ event: "lock", at: Date.now() })
        // A draft being stored reaches the encrypted store first (it comes back after the PIN).
        void withTimeout(this.hooks.flushDrafts(), 3000)
          .catch(() => {})
          .finally(() => location.reload())
      }
    }, 1000)
  }
}
