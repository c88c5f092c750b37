// Schema version 2's reading and writing rules, on the tablet (server: sync/schema.rs, "The rules of a
// schema version"; docs/design/disaster-and-schema-v2.md §1.2–1.3). Pure: works on an Automerge
// document and, inside a change, on the draft being changed; a plain object (a test's) reads as its
// one value.
import { Automerge as A } from "@automerge/automerge-repo/slim"
import { SCHEMA_VERSION } from "./schema"

/** Every value under `key` of `doc`: more than one when tablets wrote it concurrently (a conflict). */
function conflicts(doc: object, key: string): unknown[] {
  const own = (doc as Record<string, unknown>)[key]
  if (own === undefined) return []
  try {
    const all = A.getConflicts(doc as A.Doc<unknown>, key)
    if (all && Object.keys(all).length > 0) return Object.values(all)
  } catch {
    // Not an Automerge document: its one value.
  }
  return [own]
}

/** The document's schema version: the highest of the numbers put at `schema` (rule 2); 1 when none. */
export function schemaOf(doc: object | undefined): number {
  const versions = (doc ? conflicts(doc, "schema") : []).filter((v): v is number => typeof v === "number" && Number.isFinite(v))
  return versions.length > 0 ? Math.max(...versions.map(Math.trunc)) : 1
}

/**
 * Rule 3, inside the change that writes: a document that reads below this app's version is bumped to
 * it in the same change (never in a change of its own). Two tablets doing so concurrently leave two
 * equal values, which {@link schemaOf} reads as one version.
 */
export function upgrade(d: object) {
  if (schemaOf(d) < SCHEMA_VERSION) (d as { schema: number }).schema = SCHEMA_VERSION
}

/**
 * Rule 3 at the end of a change (socket.ts `writeTo`, every write of the app): bumps the version when
 * the change has written something. A change that writes nothing (a form saved unchanged) stays
 * empty — Automerge drops it — rather than becoming a bump of its own. Only inside a change.
 */
export function upgradeIfWritten(d: object) {
  if (A.getBackend(d as A.Doc<unknown>).pendingOps() > 0) upgrade(d)
}

/**
 * Rule 4: every map under the document's `key`. A section absent until its first entry may be made by
 * two tablets offline, leaving two maps under one key (one of them shown by `doc[key]`); reading all
 * of them loses neither tablet's entries. Inside a change the maps are writable.
 */
export function sectionMaps<T>(doc: object | undefined, key: string): Record<string, T>[] {
  if (!doc) return []
  return conflicts(doc, key).filter((m): m is Record<string, T> => !!m && typeof m === "object" && !Array.isArray(m) && !A.isImmutableString(m))
}

/** Every entry of every map under `key` (rule 4), each once. */
export function sectionEntries<T>(doc: object | undefined, key: string): T[] {
  const byId = new Map<string, T>()
  for (const m of sectionMaps<T>(doc, key)) for (const [id, e] of Object.entries(m)) if (!byId.has(id)) byId.set(id, e)
  return [...byId.values()]
}

/**
 * Rule 4, inside a change: the section's map to write a new entry into — the visible one, made only
 * when the key is absent. Never replaces a map that is there (that would hide entries other tablets
 * write into it concurrently).
 */
export function ensureSection<T>(d: object, key: string): Record<string, T> {
  const doc = d as Record<string, unknown>
  if (doc[key] === undefined) doc[key] = {}
  return doc[key] as Record<string, T>
}
