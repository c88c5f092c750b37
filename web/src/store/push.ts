// Web Push: this tablet's subscription with the server's (VAPID) key, renewed when the city rotates
// the key, and told to the server once per subscription and user. Owns localStorage
// "mimamori.pushSent" (the subscription the server was last told: endpoint and keys).

import { api } from "../api"
import { b64urlToBytes, bytesToB64url } from "../vault"
import type { State, StateCell } from "./state"
import { withTimeout } from "./util"

const LS_PUSH_SENT = "mimamori.pushSent"

/** "off" until subscribed, or "unsupported" where the browser has no push. */
export function pushSupport(): State["push"] {
  return "PushManager" in window && "Notification" in window ? "off" : "unsupported"
}

export class Push {
  constructor(private cell: StateCell) {}

  /**
   * Subscribes this tablet to push notifications with the server's key. `ask`: may show the
   * browser's permission question (only from a tap); otherwise only when already allowed.
   */
  async enable(ask: boolean) {
    if (this.cell.get().push === "unsupported" || !this.cell.get().me) return
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
      // Told to the server once per subscription and user (the caller now: a logout throws here),
      // not at every check-in.
      const told = JSON.stringify([this.cell.get().me!.id, sub.toJSON()])
      if (localStorage.getItem(LS_PUSH_SENT) !== told) {
        await api.subscribe(sub.toJSON())
        localStorage.setItem(LS_PUSH_SENT, told)
      }
      this.cell.set({ push: "on" })
    } catch (e) {
      console.warn("push subscription failed", e instanceof Error ? e.message : e)
    }
  }
}
