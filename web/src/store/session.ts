// The caller: who is logged in (cached for an offline start), the login and logout, and asking the
// server again (start-up, every minute, back online, a reconnect). Owns localStorage "mimamori.me".

import { api, ApiError, type Me } from "../api"
import { vault } from "../vault"
import type { StateCell } from "./state"
import { load, save } from "./util"

const LS_ME = "mimamori.me"

/**
 * Whether this role holds records on the device and syncs them: commissioners and district leads.
 * City staff and the administrator do not (their app would retry a /sync the server refuses, and
 * say オフライン while the network works).
 */
export function holdsRecords(me: Me | undefined): boolean {
  return me?.role === "commissioner" || me?.role === "district_lead"
}

/** What the session asks of the rest of the store. */
export interface SessionHooks {
  /** The server said this device is revoked: erase. */
  revoked: () => Promise<void>
  /** A check-in (for a store sealed at the offline expiry). */
  checkIn: () => Promise<unknown>
  /** The server knows the caller: fetch what they hold (documents, notices, push). */
  known: () => Promise<unknown>
}

export class Session {
  private refreshing?: Promise<void>

  constructor(
    private cell: StateCell,
    private hooks: SessionHooks,
  ) {}

  /** The caller as last known, for an offline start. */
  static cachedMe(): Me | undefined {
    return load<Me | undefined>(LS_ME, undefined)
  }

  /**
   * Asks the server who we are and which documents we hold; keeps the cached answer offline. One
   * at a time: start-up, the minute timer, `online` and a reconnect may all ask at once.
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.refreshNow().finally(() => (this.refreshing = undefined))
    return this.refreshing
  }

  private async refreshNow() {
    try {
      const me = await api.me()
      save(LS_ME, me)
      this.cell.set({ me, sessionExpired: false })
      await this.hooks.known()
    } catch (e) {
      if (e instanceof ApiError && e.code === "device_revoked") {
        await this.hooks.revoked()
        return
      }
      if (e instanceof ApiError && e.status === 401) {
        // Keep recording with the cached caller; only syncing needs the password again.
        this.cell.set({ sessionExpired: !!this.cell.get().me })
      }
      // Network errors: offline; keep what we have.
    }
  }

  /** Logs in (online only) and re-opens the documents. */
  async login(login: string, password: string) {
    let me: Me
    try {
      me = await api.login(login, password)
    } catch (e) {
      if (e instanceof ApiError && e.code === "device_revoked") await this.hooks.revoked()
      throw e
    }
    save(LS_ME, me)
    this.cell.set({ me, sessionExpired: false })
    // A store sealed at the offline expiry needs this login's check-in to open again.
    if (vault.sealed()) await this.hooks.checkIn()
    await this.hooks.known()
  }

  async logout() {
    await api.logout().catch(() => {})
    localStorage.removeItem(LS_ME)
    this.cell.set({ me: undefined })
  }
}
