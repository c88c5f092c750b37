// The resident document, schema versions 1 and 2 — mirrors server/src/sync/schema.rs (the one place
// it is written down, with the rules every version keeps; change both together). Labels are what the
// tablet shows.
//
// Version 2 (issue 23) adds, leaving every v1 key as it is:
//   { schema: 2, ...every v1 key unchanged...,
//     evacuationPlans: { <uuid>: PlanRevision },      // 個別避難計画, append-only, absent until the first
//     safety:          { <uuid>: SafetyRecord } }     // 安否, append-only, absent until the first
//   Contact        += planConfirmed?: <revision id>   // 「計画に変更なし」 on this contact
//   PlanRevision = { id, at (ISO+offset), authorId, basedOn?: <revision id>,
//                    consent: agreed|declined|unknown, consentOn?: YYYY-MM-DD,
//                    needs: [Need..] (≤16), helpers: [{ name, relation, phone }] (≤5),
//                    destination: { kind: designated|welfare|home|other, name },
//                    howToReach, medicalNote, note }
//   SafetyRecord = { id, disasterId (""= not yet known), disasterKind, status, memo, at, authorId }
//   activity log: { schema: 2, ..., selfSafety: { <uuid>: { id, disasterId, status: safe|needs_help, at } } }
// `schema` is read as the highest of its conflicting values (missing = 1); a write bumps it in the
// same change; a section is made only when absent and read as the union of every map under its key;
// entries are written whole and never edited (sync/schema.rs, "The rules of a schema version").

export const SCHEMA_VERSION = 2

export type Kind = "visit" | "phone" | "greeting" | "indirect"
export type Outcome = "met" | "absent" | "no_answer" | "other"
export type CheckName = "lights" | "mailbox" | "garbage" | "snow" | "curtains" | "laundry"
export type CheckValue = "ok" | "concern" | "unknown" | "na"
export type Concern = "none" | "watch" | "urgent"
export type ReviewMark = "confirmed" | "check" | "return"

export const KINDS: [Kind, string][] = [
  ["visit", "訪問"],
  ["phone", "電話"],
  ["greeting", "声かけ"],
  ["indirect", "間接確認"],
]
export const OUTCOMES: [Outcome, string][] = [
  ["met", "会えた"],
  ["absent", "不在"],
  ["no_answer", "応答なし"],
  ["other", "その他"],
]
export const CHECK_NAMES: [CheckName, string][] = [
  ["lights", "電気"],
  ["mailbox", "郵便受け"],
  ["garbage", "ゴミ出し"],
  ["snow", "除雪"],
  ["curtains", "カーテン"],
  ["laundry", "洗濯物"],
]
/** The three big toggles; 該当なし (na) is what an untouched check means. */
export const CHECK_VALUES: [CheckValue, string][] = [
  ["ok", "異常なし"],
  ["concern", "気になる"],
  ["unknown", "確認できず"],
]
export const CONCERNS: [Concern, string][] = [
  ["none", "なし"],
  ["watch", "見守り強化"],
  ["urgent", "至急"],
]
export const REVIEW_MARKS: [ReviewMark, string][] = [
  ["confirmed", "確認済み"],
  ["check", "要確認"],
  ["return", "差し戻し"],
]
/** 活動記録 分野 (server: domain/activity.rs). */
export const FIELDS = ["高齢者", "障害者", "子ども", "その他"]
/** 活動記録 内容 (the national 14 items). */
export const CONTENTS = [
  "在宅福祉",
  "介護保険",
  "健康・保健医療",
  "子育て・母子保健",
  "子どもの地域生活",
  "子どもの教育・学校生活",
  "生活費",
  "年金・保険",
  "仕事",
  "家族関係",
  "住居",
  "生活環境",
  "日常的な支援",
  "その他",
]
/** 活動記録 その他の活動 (the national 6 items). */
export const OTHER_ACTIVITIES = [
  "調査・実態把握",
  "行事・事業・会議への参加協力",
  "地域福祉活動・自主活動",
  "民児協運営・研修",
  "証明事務",
  "要保護児童の発見の通告・仲介",
]
export const MAX_NOTE_CHARS = 4000
/** ふりがな as the server accepts it: hiragana, katakana, the long-vowel mark, spaces. */
export const KANA = /^[\p{scx=Hiragana}\p{scx=Katakana}ー・\s　]*$/u

/** The commissioner's own activity log: what it records, each under its 活動記録 item. */
export type ActivityKind = "survey" | "event" | "community" | "council" | "certificate" | "child_report" | "liaison"
export const ACTIVITY_KINDS: [ActivityKind, string][] = [
  ["council", "定例会・研修（民児協運営・研修）"],
  ["event", "行事・事業・会議への参加協力"],
  ["liaison", "関係機関との連絡調整"],
  ["certificate", "証明事務"],
  ["community", "地域福祉活動・自主活動"],
  ["survey", "調査・実態把握"],
  ["child_report", "要保護児童の発見の通告・仲介"],
]

export interface Activity {
  id: string
  /** YYYY-MM-DD (Japan). */
  date: string
  kind: ActivityKind
  note: string
  createdAt: string
}

/** { schema, type: "activity_log", userId, activities, selfSafety? } — one per commissioner, theirs alone. */
export interface ActivityLogDoc {
  schema: number
  type: "activity_log"
  userId: string
  activities: Record<string, Activity>
}

export interface Contact {
  id: string
  occurredAt: string
  authorId: string
  kind: Kind
  outcome: Outcome
  checks: Partial<Record<CheckName, CheckValue>>
  concern: Concern
  activity: { fields: string[]; contents: string[] }
  note: string
  followUp: boolean
  /** The day to visit again by (`YYYY-MM-DD`), when `followUp`; older records have none (a week). */
  followUpOn?: string
  /** The commissioner's reply to the lead's 要確認 / 差し戻し. */
  answer?: string
  answeredAt?: string
}

/** つなぎ: where a resident was referred (server: sync/schema.rs REFERRAL_AGENCIES). */
export type ReferralAgency = "chiiki_hokatsu" | "shakyo" | "city" | "police_fire" | "medical" | "other"
export const REFERRAL_AGENCIES: [ReferralAgency, string][] = [
  ["chiiki_hokatsu", "地域包括支援センター"],
  ["shakyo", "社会福祉協議会・地区社協"],
  ["city", "市 福祉保険課"],
  ["police_fire", "警察・消防"],
  ["medical", "医療機関"],
  ["other", "その他"],
]
/** What came of a referral (server: REFERRAL_OUTCOMES); `open` until the commissioner hears back. */
export type ReferralOutcome = "open" | "connected" | "declined" | "other"
export const REFERRAL_OUTCOMES: [ReferralOutcome, string][] = [
  ["open", "結果待ち"],
  ["connected", "支援につながった"],
  ["declined", "本人が望まなかった"],
  ["other", "その他"],
]
/** An alert's suggested route → the agency a referral from it goes to. */
export const AGENCY_OF_ROUTE: Record<string, ReferralAgency> = {
  chiiki_hokatsu: "chiiki_hokatsu",
  chiku_shakyo: "shakyo",
  "110": "police_fire",
  "119": "police_fire",
}

/**
 * つなぎ (a referral to an agency), in the resident document's `referrals` map under its id. Only its
 * author writes it (the server counts it as its author wrote it); counted once in the 活動記録's
 * 連絡調整回数 on its day.
 */
export interface Referral {
  id: string
  /** The day of the referral, `YYYY-MM-DD` (Japan). */
  on: string
  to: ReferralAgency
  /** What it was about: one of the 活動記録 分野 (FIELDS). */
  field: string
  note: string
  authorId: string
  createdAt: string
  /** The alert it was made from, if any. */
  alertId?: string
  outcome: ReferralOutcome
  /** When the outcome was recorded (`YYYY-MM-DD`) and a word on it. */
  outcomeOn?: string
  outcomeNote?: string
}

export interface Review {
  mark: ReviewMark
  comment: string
  by: string
  at: string
}

export interface Profile {
  name: string
  kana: string
  address: string
  phone: string
  household: string
  categories: string[]
  emergencyContacts: string[]
  notes: string
}

export interface ResidentDoc {
  schema: number
  residentId: string
  profile: Profile
  contacts: Record<string, Contact>
  reviews: Record<string, Review>
  /** 引き継ぎメモ: what the commissioner wants the next one to know (改選, hand-over). */
  handover?: Handover
  /** つなぎ (referrals to agencies); absent until the first. */
  referrals?: Record<string, Referral>
}

export interface Handover {
  note: string
  /** Who wrote it (user id) and when (ISO, JST). */
  by: string
  at: string
}

/** The profile fields a commissioner edits on the tablet. */
export const PROFILE_FIELDS: [keyof Profile & string, string][] = [
  ["name", "氏名"],
  ["kana", "ふりがな"],
  ["address", "住所"],
  ["phone", "電話番号"],
  ["household", "世帯の状況"],
  ["notes", "メモ"],
]

export function label<T extends string>(table: [T, string][], v: T | string | undefined): string {
  return table.find(([k]) => k === v)?.[1] ?? String(v ?? "")
}

/** Text values may arrive as ImmutableString or collaborative text: read both as a plain string. */
export function str(v: unknown): string {
  if (v == null) return ""
  if (typeof v === "string") return v
  return String(v) // ImmutableString#toString
}

/** Contacts newest first. */
/** The newest contact (one pass, no sort), in the same order as [`contactsNewestFirst`]. */
export function lastContact(doc: ResidentDoc | undefined): Contact | undefined {
  const t = (c: Contact) => Date.parse(str(c.occurredAt)) || 0
  let best: Contact | undefined
  for (const c of Object.values(doc?.contacts ?? {})) {
    if (!best || t(c) - t(best) > 0 || (t(c) === t(best) && str(c.id).localeCompare(str(best.id)) > 0)) best = c
  }
  return best
}

export function contactsNewestFirst(doc: ResidentDoc | undefined): Contact[] {
  if (!doc?.contacts) return []
  const t = (c: Contact) => Date.parse(str(c.occurredAt)) || 0
  return Object.values(doc.contacts).sort((a, b) => t(b) - t(a) || str(b.id).localeCompare(str(a.id)))
}

/** Now as ISO 8601 in Japan time with milliseconds (`2026-11-23T10:05:00.123+09:00`): records made
 * within one second keep their order. */
export function nowJst(date = new Date()): string {
  const jst = new Date(date.getTime() + 9 * 3600_000)
  return jst.toISOString().replace(/Z$/, "+09:00")
}

/** The Japanese calendar day of an ISO time (`2026-11-23`). */
export function dayJst(iso: string): string {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return ""
  return new Date(t + 9 * 3600_000).toISOString().slice(0, 10)
}

/** Days since the last contact (undefined when never contacted). */
export function daysSince(iso: string | undefined, now = new Date()): number | undefined {
  if (!iso) return undefined
  const a = Date.parse(dayJst(iso))
  const b = Date.parse(dayJst(nowJst(now)))
  if (Number.isNaN(a) || Number.isNaN(b)) return undefined
  return Math.round((b - a) / 86400_000)
}

/** "2026年11月23日 10:05" */
/** A server time in ms since the epoch, as [`formatJst`] writes it; `empty` when there is none. */
export function formatMs(ms: number | null | undefined, empty = ""): string {
  return ms ? formatJst(new Date(ms).toISOString()) : empty
}

export function formatJst(iso: string): string {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return iso
  const d = new Date(t + 9 * 3600_000).toISOString()
  return `${+d.slice(0, 4)}年${+d.slice(5, 7)}月${+d.slice(8, 10)}日 ${d.slice(11, 16)}`
}

/** `YYYY-MM-DD` → "11/3" (charts, snowfall days). */
export function monthDay(day: string): string {
  return `${Number(day.slice(5, 7))}/${Number(day.slice(8, 10))}`
}

/** `YYYY-MM-DD` → "11月3日". */
export function monthDayJa(day: string): string {
  return `${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日`
}
