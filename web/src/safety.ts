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

/** The route id of 安否確認 started on the tablet before any declaration reached it (#/disaster/local):
 * its records carry no disaster (`disasterId` ""), and the server puts them into the declaration
 * that covers them once the city declares one (db::disasters::attach_unresolved). */
export const LOCAL = "local"

/** How far back a record with no disaster counts for a self-started 安否確認: it is about the
 * disaster happening now, not one of last winter. */
const LOCAL_MS = 3 * 86_400_000

/** As the server (db::disasters): a record made up to an hour before a disaster's occurrence counts for it. */
const BEFORE_MS = 3_600_000

/** The disaster id written into the records of the 安否確認 at route id `id`. */
export function recordedDisasterId(id: string): string {
  return id === LOCAL ? "" : id
}

/** Since when (ms) a record with no disaster counts for the 安否確認 at route id `id`: from an hour
 * before a declared disaster's occurrence (`occurredAt`), or the last three days when started here. */
export function countsSince(id: string, occurredAt: number | undefined, now = Date.now()): number {
  return id === LOCAL || occurredAt === undefined ? now - LOCAL_MS : occurredAt - BEFORE_MS
}

/** Whether a record counts for the 安否確認 at route id `id`: its own disaster's, or one with none
 * (made before the declaration reached the tablet) made since `since`. */
function counts(r: { disasterId: string; at: string }, id: string, since: number): boolean {
  if (id !== LOCAL && r.disasterId === id) return true
  if (r.disasterId !== "") return false
  const at = Date.parse(r.at)
  return !Number.isNaN(at) && at >= since
}

/** The latest record of a resident for the 安否確認 at route id `id` (a record with no disaster made
 * since `since` counts for it too). */
export function latestFor(doc: object | undefined, id: string, since = 0): SafetyRecord | undefined {
  return safetyRecords(doc).find(r => counts(r, id, since))
}

/** The caller's latest own status for the 安否確認 at route id `id`. */
export function latestSelf(log: object | undefined, id: string, since = 0): SelfStatus | undefined {
  return sectionEntries<Record<string, unknown>>(log, "selfSafety")
    .map(r => ({ id: str(r.id), disasterId: str(r.disasterId), status: str(r.status) as SelfStatus["status"], at: str(r.at) }))
    .filter(r => counts(r, id, since))
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

/** The order of the 安否 list: 支援が必要, 未記録, 不在・不明, 避難済み, 無事; within each, by need from
 * the resident's 個別避難計画 (`need`: evacuation.ts `needRank`, life-sustaining equipment first);
 * then kana. */
const RANK: Record<string, number> = { needs_help: 0, none: 1, unknown: 2, evacuated: 3, safe: 4 }

export function disasterOrder<T extends { kana: string; status?: SafetyStatus; need?: number }>(rows: T[]): T[] {
  return [...rows].sort(
    (a, b) => RANK[a.status ?? "none"] - RANK[b.status ?? "none"] || (a.need ?? 4) - (b.need ?? 4) || a.kana.localeCompare(b.kana, "ja"),
  )
}
