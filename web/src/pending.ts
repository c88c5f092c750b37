// What of a document the server has not acknowledged (未送信). Pure: the document and the heads the
// server last reported for it (hex change hashes) in, the unsent contact ids and whether another edit
// (profile, review marks) is unsent out.
import { Automerge as A } from "@automerge/automerge-repo/slim"
import type { ResidentDoc } from "./schema"

export interface Unsent {
  contacts: string[]
  edit: boolean
}

/**
 * `serverHeads` undefined: the server has never acknowledged this document, so everything is
 * unsent. Returns undefined when the server reports changes this tablet has not received yet (the
 * answer follows once they arrive).
 */
export function unsentOf(doc: A.Doc<ResidentDoc>, serverHeads: string[] | undefined): Unsent | undefined {
  const contacts = Object.keys(doc.contacts ?? {})
  if (!serverHeads) return { contacts, edit: true }
  const local = A.getHeads(doc)
  if (local.every(h => serverHeads.includes(h))) return { contacts: [], edit: false }
  // A view at heads this tablet does not hold would silently be a different document.
  if (!A.hasHeads(doc, serverHeads)) return undefined
  const acked = A.view(doc, serverHeads) as ResidentDoc
  return {
    contacts: contacts.filter(id => !acked.contacts?.[id]),
    edit:
      JSON.stringify(acked.profile) !== JSON.stringify(doc.profile) ||
      JSON.stringify(acked.reviews) !== JSON.stringify(doc.reviews),
  }
}
