// The check-in: the device's key share from the server, with the city's idle lock and offline expiry
// policy, and at start-up the offline expiry itself (D8: too long without reaching the server and
// the PIN no longer opens the store offline). Owns localStorage "mimamori.idleLockSecs" and
// "mimamori.offlineExpiryDays".

import { api, ApiError } from "../api"
import { vault } from "../vault"
import type { DeviceEvents } from "./device-events"
import type { StateCell } from "./state"
import { load, save } from "./util"

const LS_IDLE = "mimamori.idleLockSecs"
const LS_EXPIRY = "mimamori.offlineExpiryDays"

export class CheckIn {
  /** The idle lock (city policy): the app locks after this long without a touch. */
  idleLockSecs = load<number>(LS_IDLE, 300)
  private expiryDays = load<number>(LS_EXPIRY, 14)

  /** `revoked`: the server said this device is revoked (it erases everything). */
  constructor(
    private cell: StateCell,
    private events: DeviceEvents,
    private revoked: () => Promise<void>,
  ) {}

  /**
   * Checks in. A revoked device is told so here and erases everything. Returns the share ("" for a
   * session without an enrolled device, e.g. a lead at the office PC) or undefined when the server
   * could not be reached (offline).
   */
  async run(): Promise<string | undefined> {
    try {
      const k = await api.keyShare()
      save(LS_IDLE, (this.idleLockSecs = k.idle_lock_secs))
      save(LS_EXPIRY, (this.expiryDays = k.offline_expiry_days))
      // Sealed at the offline expiry: the server, having checked the device, hands the share back.
      vault.restoreShare(k.key_share)
      vault.checkedIn()
      this.cell.set({ sealed: false })
      return k.key_share
    } catch (e) {
      if (e instanceof ApiError && e.code === "device_revoked") {
        await this.revoked()
        return undefined
      }
      if (e instanceof ApiError && (e.status === 403 || e.status === 401)) {
        // Reached the server: it counts as a check-in (no device share for this session). A sealed
        // store opens again only with its share: "" for an office PC's, else after a login.
        if (vault.sealed() && !(e.status === 403 && vault.sealedShareless())) return undefined
        vault.restoreShare("")
        vault.checkedIn()
        this.cell.set({ sealed: false })
        return ""
      }
      return undefined
    }
  }

  /** At start-up: a check-in where there is a vault, then the offline expiry. */
  async atStart() {
    if (vault.exists() && this.cell.get().lock !== "revoked") await this.run()
    // Too long without reaching the server (city policy, D8): the cached key share goes, and with
    // it the PIN's power to open the store offline. The records stay — unsent ones included — and
    // open again once the server has confirmed this tablet is not revoked. Checked after trying to
    // check in, so a tablet back in signal after a long spell opens as usual.
    const last = vault.lastCheckIn()
    if (last !== undefined && this.cell.get().lock !== "revoked") {
      const days = (Date.now() - last) / 86_400_000
      if (days >= this.expiryDays && !vault.sealed()) {
        vault.forgetShare()
        this.events.report({ event: "lock", at: Date.now() })
      }
      const left = Math.ceil(this.expiryDays - days)
      if (left <= 3 && left > 0) this.cell.set({ expiryWarningDays: left })
    }
    this.cell.set({ sealed: vault.sealed() })
  }
}
