// A new version of the app, taken at a safe moment (issue 23 item 1; the design's §1.6). The
// service worker takes over as soon as a new build is installed (sw.ts: skipWaiting, claim), but the
// open page keeps running the old code until it reloads. This decides when: only on a screen where
// nothing is being written (never on a form), after the drafts and the documents are saved, so no
// record and no half-written record is lost; the bar says so in plain words. Pure parts here; the
// store's `Updater` (store/update.ts) wires them to the page.

/** Screens where a reload loses nothing: lists and pages where nothing is typed. */
const SAFE: ((r: string[]) => boolean)[] = [
  r => r.length === 0,
  r => r.length === 1 && ["notices", "alerts", "residents", "overdue", "reports", "review", "registered", "people", "assignments", "audit", "districts", "devices", "staff"].includes(r[0]),
  r => r.length === 2 && r[0] === "notices",
  r => r.length === 3 && r[0] === "r" && r[2] === "saved",
  r => r.length === 4 && r[0] === "r" && r[2] === "referral" && r[3] === "saved",
  r => r.length === 3 && r[0] === "disaster" && r[2] === "district",
]

/** Whether the page at `hash` may reload into a new version now. */
export function safeToReload(hash: string): boolean {
  const route = hash.replace(/^#\/?/, "").split("/").filter(Boolean)
  return SAFE.some(ok => ok(route))
}

/**
 * Whether app version `v` (`0.1.0`, `0.1.0+v0.1.0-42-g1a2b3c4`: the build after `+` ignored) is older
 * than `than` — the server's rule (server/src/version.rs `older_than`). Unreadable: older than any.
 */
export function olderThan(v: string, than: string): boolean {
  const parts = (x: string) => {
    const p = x.split("+")[0].trim().split(".")
    return p.length === 3 && p.every(n => /^\d+$/.test(n)) ? p.map(Number) : undefined
  }
  const [a, b] = [parts(v), parts(than)]
  if (!a) return true
  if (!b) return false
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i]
  return false
}

/** Seconds without a touch on a safe screen before the page updates by itself. */
export const AUTO_UPDATE_IDLE_SECS = 10
