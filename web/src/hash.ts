// Where the app is: the part of the address after `#/`, split at `/` (the enrolment link is
// `/#/enrol/CODE`, so the code never reaches a server log). Which screen each hash shows is in
// routes.tsx; this module only reads the hash (useRoute) and moves it (go).
import { useEffect, useState } from "react"

/** The hash as its parts: `#/r/ID/record` → ["r", "ID", "record"]; `#/` → []. */
export function useRoute(): string[] {
  const [hash, setHash] = useState(location.hash)
  useEffect(() => {
    const on = () => setHash(location.hash)
    window.addEventListener("hashchange", on)
    return () => window.removeEventListener("hashchange", on)
  }, [])
  // Every screen opens at its top: a form must never open with its heading (the resident's name)
  // scrolled out of view because the list before it was scrolled.
  useEffect(() => {
    window.scrollTo(0, 0)
  }, [hash])
  return hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent)
}

/** Moves to `#/path` (a screen's own navigation after it has done its work). */
export function go(path: string) {
  location.hash = "#/" + path
}
