// The server's JSON API (see /api/openapi.json). Errors come back as { error: { code, message, field? } }
// with a Japanese message meant for the screen.

export type Role = "admin" | "city_staff" | "district_lead" | "commissioner"

export interface Me {
  id: string
  login: string
  display_name: string
  role: Role
  district: { id: string; code: string; name: string } | null
  device_id: string | null
  /** Logged in with a temporary password from an administrator's reset: choose a new one first. */
  must_change_password?: boolean
  /** The district's leads (user ids): only their review marks count (marks.ts). */
  district_leads?: string[]
}

export interface DocumentRef {
  resident_id: string
  document_url: string
  last_change_at: number | null
  /** active, or pending: registered from a tablet, awaiting the district lead. */
  status: string
  /** Contacts whose document mark the server set aside (not a lead's) → the mark it accepted, or "". */
  set_aside_reviews?: Record<string, string>
}

export interface ResidentOut {
  id: string
  contact_interval_days: number
}

export type Priority = "normal" | "important" | "urgent"

export interface NoticeOut {
  id: string
  title: string
  body: string
  priority: Priority
  sent_at: number | null
  expires_at: number | null
  read: boolean
}

export interface NoticeIn {
  title: string
  body: string
  priority: Priority
  audience: "all" | "districts" | "role"
  districts: string[]
  role: string | null
  expires_on: string | null
}

export interface SentNotice extends Omit<NoticeIn, "expires_on"> {
  id: string
  status: "draft" | "sent" | "withdrawn"
  expires_at: number | null
  created_at: number
  sent_at: number | null
  withdrawn_at: number | null
}

export interface Tracking {
  notice: SentNotice
  recipients: number
  delivered: number
  read: number
  pushes: Record<string, number>
  districts: { district: string; recipients: number; delivered: number; read: number; unread: { user_id: string; name: string; role: string }[] }[]
}

export interface ReviewItem {
  resident_id: string
  resident_name: string
  contact_id: string
  commissioner: string
  occurred_at: string
  received_at: number
  kind: string
  outcome: string
  concern: string
  checks: Record<string, string>
  note: string
  follow_up: boolean
  review_mark: string | null
  /** What the contact said before its author edited it, oldest first. */
  earlier?: EarlierVersion[]
}

export interface EarlierVersion {
  occurred_at: string
  kind: string
  outcome: string
  concern: string
  checks: Record<string, string>
  note: string
  /** When the edit that replaced it arrived (ms). */
  replaced_at: number
}

export interface DeviceOut {
  id: string
  label: string
  state: "awaiting_enrolment" | "enrolled" | "revoked" | "wiped"
  enrolled_at: number | null
  revoked_at: number | null
  last_seen_at: number | null
  app_version: string | null
  wiped_at: number | null
}

/** POST /api/admin/devices: a tablet to enrol, with its one-time code (never stored by the app). */
export interface DeviceIssued {
  device: DeviceOut
  /** Typed on the tablet's タブレットの登録 screen (ABCD-EFGH-JKLM). */
  enrolment_code: string
  /** The same code as a link, `<origin>/#/enrol/CODE` (what the QR code holds). */
  enrolment_url: string
  /** When the code stops working (ms since the epoch). */
  expires_at: number
}

export interface DeviceEvent {
  event: "unlock" | "lock" | "erase"
  reason?: "wrong_pins" | "expired"
  at: number
}

export interface Totals {
  consultations: number
  by_field: Record<string, number>
  by_content: Record<string, number>
  other_activities: Record<string, number>
  visits: number
  liaison: number
  active_days: number
}

export interface ActivityReport {
  month: string
  rows: { district: string; commissioner: string; totals: Totals }[]
  total: Totals
}

export interface Charts {
  /** Oldest first; the last is this week (weeks start on Monday). */
  weeks: { week_start: string; contacts: number }[]
  districts: { district: string; open_concerns: number }[]
}

export interface OverdueOut {
  resident_id: string
  resident_name: string
  commissioner: string
  contact_interval_days: number
  last_contact_on: string | null
  days_overdue: number | null
  /** A recent snowfall day this resident has not been contacted since (listed first). */
  not_seen_since_snowfall: string | null
}

export type AlertStatus = "open" | "acknowledged" | "closed"

export interface AlertOut {
  id: string
  resident_id: string
  resident_name: string
  rule: string
  /** The rule's words (no resident data). */
  title: string
  /** chiiki_hokatsu | 110 | 119 | chiku_shakyo */
  route: string
  route_label: string
  /** The number to call: 110 / 119, or what the city set for the others; null when not set. */
  route_phone: string | null
  contact_id: string
  /** When the contact that raised it happened (ISO 8601, Japan time). */
  occurred_at: string | null
  occurred_on: string | null
  /** Display name of the commissioner who recorded it. */
  recorded_by: string | null
  status: AlertStatus
  raised_at: number
  acknowledged_by: string | null
  acknowledged_at: number | null
  closed_by: string | null
  closed_at: number | null
  close_note: string | null
}

/** 読めなかった記録: an entry the server could not read (codes only, no content). */
export interface DataProblemOut {
  resident_id: string
  resident_name: string
  entry_kind: string
  problem: string
  commissioner: string | null
  detected_on: string
  detected_at: number
}

/** Longest note when closing an alert (the server says the same). */
export const MAX_CLOSE_NOTE_CHARS = 1000

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }
}

/** The build's version (Cargo.toml's, and `MIMAMORI_BUILD` when set: vite.config.ts), sent at check-in. */
export const APP_VERSION: string = __APP_VERSION__

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: {
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      "X-Mimamori-App-Version": APP_VERSION,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) {
    let code = "http_" + res.status
    let message = "市役所のシステムでエラーが起きました。時間をおいてもう一度お試しください。"
    let field: string | undefined
    try {
      const j = await res.json()
      code = j?.error?.code ?? code
      message = j?.error?.message ?? message
      field = j?.error?.field
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, code, message, field)
  }
  if (res.status === 204) return undefined as T
  return (await res.json()) as T
}

/** A roster row's problem: the file's line, the column's heading, why. */
export interface RowProblem {
  line: number
  column: string
  code: string
  message: string
}

/** What a roster import would do (the preview) or did (`applied`). */
export interface RosterPlan {
  rows: number
  add: { line: number; external_id: string; name: string; district_code: string }[]
  change: { line: number; external_id: string; resident_id: string; name: string; fields: string[] }[]
  unchanged: number
  problems: RowProblem[]
  not_in_file: { resident_id: string; external_id: string; name: string }[]
  unused_columns: string[]
  applied: boolean
}

/** Uploads the roster CSV as it is (the server reads UTF-8 or Shift_JIS): the preview, or the import. */
async function uploadRoster(file: Blob, confirm: boolean): Promise<RosterPlan> {
  const res = await fetch(`/api/admin/roster/residents?confirm=${confirm}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "text/csv", "X-Mimamori-App-Version": APP_VERSION },
    body: file,
  })
  // 422: the preview of a file with errors (nothing was written).
  if (res.ok || res.status === 422) return (await res.json()) as RosterPlan
  let message = "ファイルを送れませんでした。もう一度お試しください。"
  try {
    message = (await res.json())?.error?.message ?? message
  } catch {
    /* not JSON */
  }
  throw new ApiError(res.status, "http_" + res.status, message)
}

export interface UserOut {
  id: string
  login: string
  display_name: string
  role: Role
  district_id: string | null
  disabled: boolean
}

export interface HandOverMove {
  from: string
  to?: string
}

export interface HandOverResult {
  ended: number
  assigned: number
  uncovered: number
}

export interface DistrictOverview {
  district_id: string
  code: string
  name: string
  residents: number
  overdue: number
  unassigned: number
  open_alerts: number
  /** つなぎ made this fiscal year (from April 1, Japan time). */
  referrals: number
  /** Of those, still 結果待ち. */
  referrals_open: number
  /** People of the district who have not read an urgent notice still in force. */
  urgent_unread: number
}

export const api = {
  overview: () => call<{ districts: DistrictOverview[]; tablets_not_seen_7_days: number }>("GET", "/api/staff/overview"),
  uploadRoster,
  users: () => call<UserOut[]>("GET", "/api/admin/users"),
  handOver: (on: string, moves: HandOverMove[]) => call<HandOverResult>("POST", "/api/admin/handover", { on, moves }),
  approveResident: (id: string) => call<ResidentOut>("POST", `/api/residents/${encodeURIComponent(id)}/approve`, {}),
  /** Not someone to watch (a duplicate, moved away): archived, off the commissioner's list. */
  declineResident: (id: string) => call<ResidentOut>("POST", `/api/residents/${encodeURIComponent(id)}/decline`, {}),
  me: () => call<Me>("GET", "/api/me"),
  login: (login: string, password: string) => call<Me>("POST", "/api/session", { login, password }),
  changePassword: (current_password: string, new_password: string) =>
    call<void>("POST", "/api/me/password", { current_password, new_password }),
  logout: () => call<void>("DELETE", "/api/session"),
  enrol: (code: string) => call<{ device_id: string; label: string }>("POST", "/api/devices/enrol", { code }),
  documents: () => call<DocumentRef[]>("GET", "/api/documents"),
  activityLog: () => call<{ document_url: string }>("GET", "/api/activity-log"),
  residents: () => call<ResidentOut[]>("GET", "/api/residents"),
  keyShare: () =>
    call<{ device_id: string; key_share: string; offline_expiry_days: number; idle_lock_secs: number }>(
      "GET",
      "/api/devices/key-share",
    ),
  wiped: () => call<void>("POST", "/api/devices/wiped", {}),
  deviceEvents: (events: DeviceEvent[]) => call<void>("POST", "/api/devices/events", { events }),
  notices: () => call<NoticeOut[]>("GET", "/api/notices"),
  markRead: (id: string) => call<void>("POST", `/api/notices/${encodeURIComponent(id)}/read`, {}),
  pushKey: () => call<{ public_key: string }>("GET", "/api/push/key"),
  subscribe: (sub: PushSubscriptionJSON) => call<void>("POST", "/api/push/subscriptions", sub),
  districts: () => call<{ id: string; code: string; name: string }[]>("GET", "/api/districts"),
  staffNotices: () => call<SentNotice[]>("GET", "/api/staff/notices"),
  createNotice: (n: NoticeIn) => call<SentNotice>("POST", "/api/staff/notices", n),
  updateNotice: (id: string, n: NoticeIn) => call<SentNotice>("PUT", `/api/staff/notices/${id}`, n),
  sendNotice: (id: string) => call<SentNotice>("POST", `/api/staff/notices/${id}/send`, {}),
  withdrawNotice: (id: string) => call<SentNotice>("POST", `/api/staff/notices/${id}/withdraw`, {}),
  devices: () => call<DeviceOut[]>("GET", "/api/admin/devices"),
  revokeDevice: (id: string) => call<unknown>("POST", `/api/admin/devices/${encodeURIComponent(id)}/revoke`, {}),
  activity: (month: string) => call<ActivityReport>("GET", `/api/reports/activity?month=${encodeURIComponent(month)}`),
  overdue: () => call<OverdueOut[]>("GET", "/api/review/overdue"),
  charts: () => call<Charts>("GET", "/api/charts"),
  snowfallDays: () => call<string[]>("GET", "/api/review/snowfall"),
  markSnowfall: (day: string) => call<void>("POST", "/api/review/snowfall", { day }),
  markCitySnowfall: (day: string) => call<{ districts: number }>("POST", "/api/staff/snowfall", { day, districts: [] }),
  reviewContacts: (query: string) => call<ReviewItem[]>("GET", `/api/review/contacts${query ? "?" + query : ""}`),
  alerts: (status?: AlertStatus) => call<AlertOut[]>("GET", `/api/review/alerts${status ? "?status=" + status : ""}`),
  alert: (id: string) => call<AlertOut>("GET", `/api/review/alerts/${encodeURIComponent(id)}`),
  acknowledgeAlert: (id: string) => call<AlertOut>("POST", `/api/review/alerts/${encodeURIComponent(id)}/acknowledge`, {}),
  closeAlert: (id: string, note: string) =>
    call<AlertOut>("POST", `/api/review/alerts/${encodeURIComponent(id)}/close`, note.trim() ? { note: note.trim() } : {}),
  dataProblems: () => call<DataProblemOut[]>("GET", "/api/review/problems"),
  tracking: (id: string) => call<Tracking>("GET", `/api/notices/${id}/tracking`),
}

/** A message for the screen from any error (network errors included). */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.message
  return "市役所につながりません。電波のよい所でもう一度お試しください。"
}

// --- The office's lists (staff screens: 人, 見守り対象者, 担当, 操作の記録, 地区) ---------------------

/** A user as GET /api/admin/users gives them (never the password hash). */
export interface AdminUserOut extends UserOut {
  /** Still on a temporary password from a reset (not yet replaced by the user). */
  must_change_password: boolean
}

export interface DistrictOut {
  id: string
  code: string
  name: string
}

/** A resident as GET /api/admin/residents gives them. Personal data: for the screen only. */
export interface AdminResidentOut {
  id: string
  district_id: string
  name: string
  kana: string
  address: string
  /** active, pending (registered from a tablet, awaiting the lead) or archived. */
  status: string
  contact_interval_days: number
}

/** 担当: a commissioner watches a resident from `starts_on` to `ends_on` (the last day, included). */
export interface AssignmentOut {
  id: string
  resident_id: string
  commissioner_id: string
  starts_on: string
  ends_on: string | null
}

/** One entry of the audit log, as stored: ids and codes only. */
export interface AuditOut {
  id: number
  at: number
  actor_user_id: string | null
  actor_device_id: string | null
  action: string
  target_kind: string
  target_id: string | null
  /** JSON with ids and codes only. */
  detail: string
}

/** A reset's temporary password: shown once, handed to the user in person. */
export interface PasswordReset {
  temporary_password: string
  sessions: number
}

const userPath = (id: string, what: string) => `/api/admin/users/${encodeURIComponent(id)}/${what}`

/**
 * `/api/admin/*` calls of the staff screens, as the server allows them: the lists (GET) answer city
 * staff and the administrator; every change, the administrator only (403 for city staff).
 */
export const adminApi = {
  districts: () => call<DistrictOut[]>("GET", "/api/admin/districts"),
  users: () => call<AdminUserOut[]>("GET", "/api/admin/users"),
  resetPassword: (id: string) => call<PasswordReset>("POST", userPath(id, "password-reset"), {}),
  disableUser: (id: string) => call<AdminUserOut>("POST", userPath(id, "disable"), {}),
  enableUser: (id: string) => call<AdminUserOut>("POST", userPath(id, "enable"), {}),
  residents: () => call<AdminResidentOut[]>("GET", "/api/admin/residents"),
  assignments: () => call<AssignmentOut[]>("GET", "/api/admin/assignments"),
  assign: (a: { resident_id: string; commissioner_id: string; starts_on: string; ends_on?: string }) =>
    call<AssignmentOut>("POST", "/api/admin/assignments", a),
  endAssignment: (id: string, ends_on: string) =>
    call<AssignmentOut>("POST", `/api/admin/assignments/${encodeURIComponent(id)}/end`, { ends_on }),
  devices: () => call<DeviceOut[]>("GET", "/api/admin/devices"),
  /** A tablet to enrol (the administrator): its one-time code, shown this once, valid 7 days. */
  issueDevice: (label: string) => call<DeviceIssued>("POST", "/api/admin/devices", { label }),
  /** The newest 500 entries, newest first (the server takes no filter). */
  audit: () => call<AuditOut[]>("GET", "/api/admin/audit"),
}
