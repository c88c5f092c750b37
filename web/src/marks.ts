// Which of a document's review marks (確認済み / 要確認 / 差し戻し) a screen shows. The server decides
// what counts (D7): only a district lead's mark is a review. A mark in the document written by anyone
// else — a commissioner's tablet can write anything into a document it syncs — is set aside by the
// server, which says so in the document list (`set_aside_reviews`: contact → the mark it accepted,
// "" for none). So a screen shows a document's mark only when its writer is one of the district's
// leads (`Me.district_leads`), and, where the server set one aside, the server's mark instead.
// (Between a forged mark's arrival and the next document list a co-assigned tablet can still show
// it as the lead's: the list is fetched at every connection.)

import type { DocEntry } from "./store"
import { str, type ResidentDoc, type Review, type ReviewMark } from "./schema"

/** The marks to show for a resident's contacts (contact id → review). */
export function shownReviews(entry: DocEntry, leads: readonly string[] | undefined): Record<string, Review> {
  // A caller cached before the server named the leads: as before, until the next check-in.
  if (!leads) return { ...(entry.doc?.reviews ?? {}) }
  const out: Record<string, Review> = {}
  const setAside = entry.setAsideReviews ?? {}
  for (const [cid, r] of Object.entries(entry.doc?.reviews ?? {})) {
    if (Object.hasOwn(setAside, cid)) {
      const accepted = setAside[cid]
      if (!accepted) continue
      // The server's mark; the document's words only when they are that mark's.
      out[cid] =
        str(r.mark) === accepted && leads.includes(str(r.by))
          ? r
          : { mark: accepted as ReviewMark, comment: "", by: "", at: "" }
      continue
    }
    if (leads.includes(str(r.by))) out[cid] = r
  }
  return out
}

/** The entry with its document's marks replaced by those to show (a shallow copy; unchanged when
 * nothing is hidden, so screens that compare entries do not redraw). */
export function withShownReviews(entry: DocEntry, leads: readonly string[] | undefined): DocEntry {
  const doc = entry.doc
  if (!doc?.reviews) return entry
  const shown = shownReviews(entry, leads)
  if (Object.keys(shown).length === Object.keys(doc.reviews).length && Object.entries(shown).every(([k, v]) => doc.reviews[k] === v))
    return entry
  return { ...entry, doc: { ...doc, reviews: shown } as ResidentDoc }
}
