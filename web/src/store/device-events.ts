// Lock events (unlock, lock, erase) for the server's audit log: queued here and sent when the server
// is reached. Sending is also the start-up check by the device cookie alone, so a revoked tablet
// hears it even when its session is long gone. Owns localStorage "mimamori.deviceEvents".

import { api, ApiError, type DeviceEvent } from "../api"
import { load, save } from "./util"

const LS_EVENTS = "mimamori.deviceEvents" // lock events for the server's audit log, not yet sent

export class DeviceEvents {
  private flushing?: Promise<void>

  /** `revoked`: the server said this device is revoked. */
  constructor(private revoked: () => Promise<void>) {}

  /** Queues a lock event for the server's audit log and tries to send the queue. */
  report(e: DeviceEvent) {
    save(LS_EVENTS, [...load<DeviceEvent[]>(LS_EVENTS, []), e].slice(-100))
    void this.flush()
  }

  /** Sends the queued lock events (one send at a time). */
  flush(): Promise<void> {
    this.flushing ??= (async () => {
      const events = load<DeviceEvent[]>(LS_EVENTS, [])
      try {
        await api.deviceEvents(events)
        save(LS_EVENTS, load<DeviceEvent[]>(LS_EVENTS, []).slice(events.length))
      } catch (e) {
        if (e instanceof ApiError && e.code === "device_revoked") {
          save(LS_EVENTS, load<DeviceEvent[]>(LS_EVENTS, []).slice(events.length))
          await this.revoked()
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

  /** Runs `erase` (which removes every mimamori.* key) keeping the queue: lock events are no resident data. */
  async keptThrough(erase: () => Promise<void>) {
    const unsent = load<DeviceEvent[]>(LS_EVENTS, [])
    await erase()
    save(LS_EVENTS, unsent)
  }
}
