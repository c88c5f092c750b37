// The app's own update (update.ts says when it is safe): a new service worker that took over, or a
// server asking for a newer app than this one, sets `updateReady`; the bar offers 「いま新しい版にする」,
// and after AUTO_UPDATE_IDLE_SECS without a touch on a safe screen the page updates by itself. Before
// the reload the drafts and the documents are saved. Offline nothing happens: the new version cannot
// be fetched, and the old one keeps working. Owns no key.

import { APP_VERSION } from "../api"
import { AUTO_UPDATE_IDLE_SECS, olderThan, safeToReload } from "../update"
import type { StateCell } from "./state"

/** How often an open app looks for a new version (besides each return of the network). */
const CHECK_EVERY_MS = 10 * 60_000

export class Updater {
  private hadController = typeof navigator !== "undefined" && !!navigator.serviceWorker?.controller
  private lastTouch = Date.now()
  private reloading = false

  constructor(
    private cell: StateCell,
    /** Saves what is in memory (drafts, documents) before the page reloads. */
    private save: () => Promise<void>,
  ) {}

  /** Listens for a new service worker taking over, and updates by itself when it is safe. */
  watch() {
    if (typeof navigator === "undefined" || !navigator.serviceWorker) return
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      // The first install (no worker before) is not an update.
      if (this.hadController) this.cell.set({ updateReady: true })
      this.hadController = true
    })
    for (const e of ["pointerdown", "keydown", "touchstart"]) window.addEventListener(e, () => (this.lastTouch = Date.now()), { passive: true })
    this.wasOnline = this.cell.get().online
    this.lastCheck = Date.now()
    this.cell.subscribe(() => {
      if (this.cell.get().online !== this.wasOnline) this.check()
    })
    setInterval(() => {
      if (!this.cell.get().updateReady || this.reloading) return
      if (Date.now() - this.lastTouch < AUTO_UPDATE_IDLE_SECS * 1000) return
      void this.apply()
    }, 1000)
  }

  private lastCheck = 0
  private wasOnline = false

  /**
   * Asks the browser to look for a new version (a cheap conditional fetch of sw.js): when the server
   * is reached again after a time without it, else at most every CHECK_EVERY_MS. A new version found
   * installs and takes over, and `controllerchange` sets `updateReady`.
   */
  check() {
    const online = this.cell.get().online
    const back = online && !this.wasOnline
    this.wasOnline = online
    if (!back && Date.now() - this.lastCheck < CHECK_EVERY_MS) return
    this.lastCheck = Date.now()
    void navigator.serviceWorker
      ?.getRegistration()
      .then(r => r?.update())
      .catch(() => {})
  }

  /** The server's oldest accepted app: when this one is older, fetch the new version now. */
  required(minAppVersion: string | undefined) {
    if (!minAppVersion || !olderThan(APP_VERSION, minAppVersion)) return
    this.cell.set({ updateRequired: true })
    void navigator.serviceWorker
      ?.getRegistration()
      .then(r => r?.update())
      .catch(() => {})
  }

  /** Reloads into the new version if the screen is safe; false when it is not (nothing happens). */
  async apply(): Promise<boolean> {
    if (this.reloading || !safeToReload(location.hash)) return false
    this.reloading = true
    try {
      await this.save()
    } catch {
      // Saving failed: do not reload (what is in memory would be lost); try again later.
      this.reloading = false
      return false
    }
    location.reload()
    return true
  }
}
