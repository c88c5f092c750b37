// What the staff lists (人, 見守り対象者, 担当, 操作の記録) share, as plain functions (tested in
// staff-lists.test.ts): search that treats ひらがな and カタカナ, full- and half-width alike; pages of
// 50; who watches a resident on a day; the audit log's filters; which tablets a user logged in on.
// The server gives whole lists (the audit log: its newest 500 entries); filtering and paging happen here.
import type { AssignmentOut, AuditOut, HandOverMove, Role } from "../../api"
import { dayJst, nowJst } from "../../schema"

export const PAGE_SIZE = 50

export const ROLE_WORDS: Record<Role, string> = {
  commissioner: "民生委員",
  district_lead: "地区の会長",
  city_staff: "市の職員",
  admin: "管理者",
}

/**
 * Whether the role makes the changes the staff lists offer (パスワードの再発行, 利用停止・再開, 担当の
 * 追加・終了): the administrator only. City staff read the same lists (the server's GET /api/admin/*
 * answer them) and are refused every change, so their screens show none.
 */
export function makesChanges(role: Role): boolean {
  return role === "admin"
}

/** For search: NFKC (全角英数 → 半角), lower case, カタカナ → ひらがな, no spaces. */
export function normalize(s: string): string {
  return s
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\u30a1-\u30f6]/g, c => String.fromCharCode(c.charCodeAt(0) - 0x60))
    .replace(/\s+/g, "")
}

/** Whether any of `fields` contains the query (an empty query matches everything). */
export function matches(query: string, ...fields: (string | null | undefined)[]): boolean {
  const q = normalize(query)
  return q === "" || fields.some(f => f != null && normalize(f).includes(q))
}

export interface Page<T> {
  rows: T[]
  /** 0-based, clamped to the pages there are. */
  page: number
  pages: number
  /** 1-based numbers of the first and last row shown (0 and 0 when there are none). */
  first: number
  last: number
  total: number
}

/** The `page`th page of `rows` (clamped: a filter that leaves fewer rows shows the last page). */
export function pageOf<T>(rows: T[], page: number, size = PAGE_SIZE): Page<T> {
  const pages = Math.max(1, Math.ceil(rows.length / size))
  const p = Math.min(Math.max(0, page), pages - 1)
  const shown = rows.slice(p * size, p * size + size)
  return {
    rows: shown,
    page: p,
    pages,
    first: shown.length ? p * size + 1 : 0,
    last: p * size + shown.length,
    total: rows.length,
  }
}

/** Today in Japan (`2026-12-07`). */
export function todayJst(now = new Date()): string {
  return dayJst(nowJst(now))
}

/** A day `n` days after `day` (`YYYY-MM-DD`; negative for before). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(day + "T00:00:00Z") + n * 86400_000).toISOString().slice(0, 10)
}

/** Whether the assignment covers `day` (its last day included), as the server's Assignment::covers. */
export function covers(a: AssignmentOut, day: string): boolean {
  return a.starts_on <= day && (a.ends_on === null || a.ends_on >= day)
}

export type AssignmentState = "current" | "future" | "ended"

export function assignmentState(a: AssignmentOut, day: string): AssignmentState {
  if (a.ends_on !== null && a.ends_on < day) return "ended"
  return a.starts_on > day ? "future" : "current"
}

export const ASSIGNMENT_WORDS: Record<AssignmentState, string> = {
  current: "担当中",
  future: "これから",
  ended: "終了",
}

/** Resident id → the commissioners (ids) who watch them on `day`. */
export function watchersOn(assignments: AssignmentOut[], day: string): Map<string, string[]> {
  const m = new Map<string, string[]>()
  for (const a of assignments) {
    if (!covers(a, day)) continue
    const list = m.get(a.resident_id) ?? []
    if (!list.includes(a.commissioner_id)) list.push(a.commissioner_id)
    m.set(a.resident_id, list)
  }
  return m
}

export interface AuditFilter {
  /** A user id; NO_ACTOR for entries made from the host (CLI) or the system; "" for anyone. */
  actor: string
  /** An action code (`user.password_reset`); "" for any. */
  action: string
  /** Japanese days (`YYYY-MM-DD`), both included; "" for no bound. */
  from: string
  to: string
}

export const NO_ACTOR = "-"

const startOfDayJst = (day: string) => Date.parse(day + "T00:00:00+09:00")

export function filterAudit(entries: AuditOut[], f: AuditFilter): AuditOut[] {
  const from = f.from ? startOfDayJst(f.from) : -Infinity
  const to = f.to ? startOfDayJst(f.to) + 86400_000 : Infinity
  return entries.filter(
    e =>
      (f.actor === "" || (f.actor === NO_ACTOR ? e.actor_user_id === null : e.actor_user_id === f.actor)) &&
      (f.action === "" || e.action === f.action) &&
      e.at >= from &&
      e.at < to,
  )
}

/** The audit log's action codes in words (the code itself is shown too: as stored). */
export const ACTION_WORDS: Record<string, string> = {
  "session.login": "ログイン",
  "session.logout": "ログアウト",
  "user.create": "利用者の登録",
  "user.password_reset": "パスワードの再発行",
  "user.password_change": "パスワードの変更",
  "user.disable": "利用停止",
  "user.enable": "利用再開",
  "user.revoke_sessions": "ログインの取り消し",
  "district.create": "地区の登録",
  "resident.create": "対象者の登録",
  "resident.register_pending": "対象者の仮登録（タブレット）",
  "resident.approve": "対象者の承認",
  "roster.import": "名簿の取り込み",
  "assignment.create": "担当の追加",
  "assignment.end": "担当の終了",
  "assignment.hand_over": "改選・引き継ぎ",
  "device.issue": "タブレットの発行",
  "device.enrol": "タブレットの登録",
  "device.revoke": "タブレットの利用停止",
  "device.wiped": "タブレットの消去確認",
  "device.erase": "タブレットの消去",
  "alert.acknowledge": "注意の確認",
  "alert.close": "注意の対応済み",
  "notice.create": "お知らせの作成",
  "notice.update": "お知らせの修正",
  "notice.send": "お知らせの送信",
  "notice.withdraw": "お知らせの取り下げ",
  "snowfall.mark": "降雪日の登録",
}

/** A term (任期) as the People screen shows it: 2025/12/1〜2028/11/30; 「—」 when the city gave none. */
export function termWords(u: { term_starts_on?: string | null; term_ends_on?: string | null }): string {
  const day = (d?: string | null) => (d ? d.replace(/^(\d{4})-0?(\d+)-0?(\d+)$/, "$1/$2/$3") : "")
  const [a, b] = [day(u.term_starts_on), day(u.term_ends_on)]
  return a || b ? `${a}〜${b}` : "—"
}

/** A hand-over choice: keep (""), nobody ("-": the lead covers), split ("split"), or a successor's id. */
export const KEEP = ""
export const NOBODY = "-"
export const SPLIT = "split"

/**
 * The hand-over's moves from the screen's choices: per outgoing commissioner, the whole caseload to one
 * successor (or to nobody), or, split (分けて引き継ぐ), each resident to the successor chosen for them,
 * one move per successor; residents left as they are stay.
 */
export function handOverMoves(whole: Record<string, string>, each: Record<string, Record<string, string>>): HandOverMove[] {
  const moves: HandOverMove[] = []
  for (const [from, to] of Object.entries(whole)) {
    if (to === KEEP) continue
    if (to !== SPLIT) {
      moves.push(to === NOBODY ? { from } : { from, to })
      continue
    }
    const bySuccessor = new Map<string, string[]>()
    for (const [resident, successor] of Object.entries(each[from] ?? {})) {
      if (successor === KEEP || successor === SPLIT) continue
      bySuccessor.set(successor, [...(bySuccessor.get(successor) ?? []), resident])
    }
    for (const [successor, residents] of bySuccessor) {
      moves.push(successor === NOBODY ? { from, residents } : { from, to: successor, residents })
    }
  }
  return moves
}
