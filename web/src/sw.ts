/// <reference lib="webworker" />
// The service worker: precaches the app shell and Automerge's wasm (the list is injected at build
// time), so the app opens with no network after the first visit. API calls and /sync always go to
// the network: they carry personal data and must never be served stale from a cache.
import { precacheAndRoute, cleanupOutdatedCaches, createHandlerBoundToURL } from "workbox-precaching"
import { registerRoute, NavigationRoute } from "workbox-routing"
import { shownFor, type PushPayload } from "./push-target"

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] }

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
registerRoute(
  new NavigationRoute(createHandlerBoundToURL("/index.html"), {
    denylist: [/^\/api\//, /^\/sync/, /^\/healthz/],
  }),
)

self.addEventListener("install", () => {
  void self.skipWaiting()
})
self.addEventListener("activate", event => {
  event.waitUntil(self.clients.claim())
})

// --- Web Push: a notice from the city office ({notice, title, priority}) or an alert for the
// district lead ({alert, title, priority}); never resident data. The notification opens the notice or
// the alert (what it shows and where it leads: push-target.ts).
self.addEventListener("push", event => {
  let p: PushPayload = {}
  try {
    p = event.data?.json() ?? {}
  } catch {
    /* not JSON: show a generic notice */
  }
  const shown = shownFor(p)
  event.waitUntil(
    (async () => {
      await self.registration.showNotification(shown.title, {
        body: shown.body,
        tag: shown.tag,
        icon: "/icon-192.png",
        requireInteraction: shown.requireInteraction,
        data: { url: shown.url },
      })
      for (const c of await self.clients.matchAll({ type: "window" })) c.postMessage({ type: "push" })
    })(),
  )
})

self.addEventListener("notificationclick", event => {
  event.notification.close()
  const url = (event.notification.data as { url?: string } | null)?.url ?? "/#/notices"
  event.waitUntil(
    (async () => {
      // Focus first (while the tap still counts as a user action), then go to the notice or alert.
      const windows = await self.clients.matchAll({ type: "window" })
      const open = windows[0] as WindowClient | undefined
      try {
        if (!open) throw new Error("no window")
        await open.focus()
        await open.navigate(url)
      } catch {
        await self.clients.openWindow(url)
      }
    })(),
  )
})
