// What of a document the server has not acknowledged (未送信). Pure: the document and the heads the
// server last reported for it (hex change hashes) in, the unsent contact ids and whether another edit
// (profile, review marks) is unsent out.
import { Automerge as A } from "@automerge/automerge-repo/slim"
import type { ActivityLogDoc, ResidentDoc } from "./schema"

/** The records of a resident's document: contacts and 安否 records (each counted as 未送信 1件). */
export const RESIDENT_RECORDS = ["contacts", "safety"] as const
/** The records of an activity log: activities and the commissioner's own statuses. */
export const LOG_RECORDS = ["activities", "selfSafety"] as const

export interface Unsent {
  /** New entries of the section (contacts of a resident, activities of an activity log). */
  contacts: string[]
  edit: boolean
}

/**
 * `serverHeads` undefined: the server has never acknowledged this document, so everything is
 * unsent. Returns undefined when the server reports changes this tablet has not received yet (the
 * answer follows once they arrive).
 */
export function unsentOf<T extends ResidentDoc | ActivityLogDoc>(
  doc: A.Doc<T>,
  serverHeads: string[] | undefined,
  /** The sections whose entries are records, each counted: a resident's contacts and 安否, an
   * activity log's activities and own statuses. */
  sections: readonly string[] = RESIDENT_RECORDS,
): Unsent | undefined {
  const plain = doc as unknown as Record<string, object | undefined>
  const contacts = sections.flatMap(section => Object.keys(plain[section] ?? {}))
  if (!serverHeads) return { contacts, edit: true }
  const local = A.getHeads(doc)
  if (local.every(h => serverHeads.includes(h))) return { contacts: [], edit: false }
  // A diff from heads this tablet does not hold would silently be against a different document.
  if (!A.hasHeads(doc, serverHeads)) return undefined
  // What this tablet has beyond the server's heads: a contact put whole is an unsent contact;
  // anything else (a profile field, a review mark, an answer on a contact the server already has)
  // is an unsent edit.
  const patches = A.diff(doc, serverHeads, local)
  const inSection = (p: A.Patch) => sections.includes(String(p.path[0]))
  const fresh = new Set<string>()
  for (const p of patches) {
    if (p.path.length === 2 && inSection(p) && p.action === "put") fresh.add(String(p.path[1]))
  }
  // The schema bump (schema-v2.ts `upgrade`) rides in the change of the write that needed it: that
  // write is what is unsent, so the bump alone is not counted as an edit (a visit stays 1件).
  // Nor is making a record section (schema-v2.ts `ensureSection`) with the records written into it.
  const bump = (p: A.Patch) => p.path.length === 1 && (p.path[0] === "schema" || sections.includes(String(p.path[0])))
  return {
    contacts: [...fresh],
    edit: patches.some(p => !bump(p) && !(inSection(p) && fresh.has(String(p.path[1])))),
  }
}

/**
 * What the server is known to hold after it reports `next` for a document we knew it held `prev`
 * of. The server never loses an acknowledged change, but a report can be older than what we know:
 * automerge-repo replays the sync state it saved (through a throttle, so possibly a step behind)
 * when a document is opened. An older report must not undo a newer acknowledgement, or a document
 * whose server no longer answers (an ended assignment) would show 未送信 for ever.
 */
export function ackedHeads(doc: A.Doc<unknown> | undefined, prev: string[] | undefined, next: string[]): string[] {
  if (!prev || !doc || !A.hasHeads(doc, prev) || !A.hasHeads(doc, next)) return next
  const both = [...new Set([...prev, ...next])]
  if (A.diff(doc, next, both).length === 0) return next // `next` includes all of `prev`
  if (A.diff(doc, prev, both).length === 0) return prev // an older report
  return both // each has changes the other lacks: the server has both
}

/** What the status bar may say about sending (送信済み only when it is known). */
export type SendStatus = { state: "unknown" } | { state: "checking" } | { state: "unsent"; count: number } | { state: "sent" }

/**
 * Before the store is open (the PIN screen, the lock, an erased tablet) nothing about unsent records
 * is known: "unknown", never 送信済み. Once open, 未送信 N件 as soon as N > 0 is counted, and 送信済み
 * only when every document this tablet keeps (and the activity log) has been read from the store and
 * compared with the server's heads, none holding anything unsent; until then "checking".
 */
export function sendStatus(s: {
  open: boolean
  pending: number
  docs: { doc?: unknown; unavailable?: boolean }[]
  activityKnown: boolean
}): SendStatus {
  if (!s.open) return { state: "unknown" }
  if (s.pending > 0) return { state: "unsent", count: s.pending }
  if (!s.activityKnown || s.docs.some(d => !d.doc && !d.unavailable)) return { state: "checking" }
  return { state: "sent" }
}
