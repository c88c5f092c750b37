// 安否 (災害モード) in the documents: the records a commissioner writes into a resident's document
// (`safety`, schema 2) and their own status in their activity log (`selfSafety`), each written whole
// and never edited (a correction is a new record), read from every map under the key (schema-v2.ts).
// Pure; the store writes them (store.ts `recordSafety`, `recordSelfSafety`).
import { Automerge as A } from "@automerge/automerge-repo/slim"
import { ensureSection, sectionEntries } from "./schema-v2"
import { nowJst, str, type ResidentDoc } from "./schema"
import type { SafetyStatus } from "./disaster"

export interface SafetyRecord {
  id: string
  disasterId: string
  disasterKind: string
  status: SafetyStatus
  memo: string
  at: string
  authorId: string
}

export interface SelfStatus {
  id: string
  disasterId: string
  status: "safe" | "needs_help"
  at: string
}

const I = (v: string) => new A.ImmutableString(v)

/** A resident's 安否 records, newest first (by their time, then id). */
export function safetyRecords(doc: object | undefined): SafetyRecord[] {
  return sectionEntries<Record<string, unknown>>(doc, "safety")
    .map(r => ({
      id: str(r.id),
      disasterId: str(r.disasterId),
      disasterKind: str(r.disasterKind),
      status: str(r.status) as SafetyStatus,
      memo: str(r.memo),
      at: str(r.at),
      authorId: str(r.authorId),
    }))
    .sort((a, b) => (a.at === b.at ? b.id.localeCompare(a.id) : b.at.localeCompare(a.at)))
}

/** The latest record of a resident for a disaster (a record made before the declaration reached the
 * tablet, with no disaster, counts for it too). */
export function latestFor(doc: object | undefined, disasterId: string): SafetyRecord | undefined {
  return safetyRecords(doc).find(r => r.disasterId === disasterId || r.disasterId === "")
}

/** The caller's latest own status for a disaster. */
export function latestSelf(log: object | undefined, disasterId: string): SelfStatus | undefined {
  return sectionEntries<Record<string, unknown>>(log, "selfSafety")
    .map(r => ({ id: str(r.id), disasterId: str(r.disasterId), status: str(r.status) as SelfStatus["status"], at: str(r.at) }))
    .filter(r => r.disasterId === disasterId || r.disasterId === "")
    .sort((a, b) => b.at.localeCompare(a.at))[0]
}

/** Writes one 安否 record into a resident's document (inside a change). */
export function writeSafety(d: ResidentDoc, r: Omit<SafetyRecord, "id" | "at">, id: string = crypto.randomUUID(), at = nowJst()) {
  ensureSection<unknown>(d, "safety")[id] = {
    id: I(id),
    disasterId: I(r.disasterId),
    disasterKind: I(r.disasterKind),
    status: I(r.status),
    memo: I(r.memo.trim()),
    at: I(at),
    authorId: I(r.authorId),
  }
  return id
}

/** Writes the caller's own status into their activity log (inside a change). */
export function writeSelf(d: object, disasterId: string, status: SelfStatus["status"], id: string = crypto.randomUUID(), at = nowJst()) {
  ensureSection<unknown>(d, "selfSafety")[id] = { id: I(id), disasterId: I(disasterId), status: I(status), at: I(at) }
  return id
}

/** The order of the 安否 list: 支援が必要, 未記録, 不在・不明, 避難済み, 無事; then kana. */
const RANK: Record<string, number> = { needs_help: 0, none: 1, unknown: 2, evacuated: 3, safe: 4 }

export function disasterOrder<T extends { kana: string; status?: SafetyStatus }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => RANK[a.status ?? "none"] - RANK[b.status ?? "none"] || a.kana.localeCompare(b.kana, "ja"))
}
