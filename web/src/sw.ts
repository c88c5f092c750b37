/// <reference lib="webworker" />
// The service worker: precaches the app shell and Automerge's wasm (the list is injected at build
// time), so the app opens with no network after the first visit. API calls and /sync always go to
// the network: they carry personal data and must never be served stale from a cache.
import { precacheAndRoute, cleanupOutdatedCaches, createHandlerBoundToURL } from "workbox-precaching"
import { registerRoute, NavigationRoute } from "workbox-routing"

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
