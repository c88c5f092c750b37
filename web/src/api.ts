// The server's JSON API (see /api/openapi.json). Errors come back as { error: { code, message, field? } }
// with a Japanese message meant for the screen.
//
// What the server answers is typed by its own OpenAPI document (src/api-types.ts, generated from
// web/openapi.json: `npm run api-types`). Where the app needs more than that schema says (a string it
// reads as one of a few values, a map with no value type), the type here narrows the field and says
// why — better, the server's schema says it (a `#[schema(value_type = …)]`, an enum of the domain). What the app sends (NoticeIn, DeviceEvent, HandOverMove) is written here, stricter than the
// schema's request bodies.

import type { components } from "./api-types"

type Schemas = components["schemas"]

/**
 * A response as the server sends it: every field present. Its schema lists a field that may be null
 * (a Rust `Option`) as not required, but the server always sends it, as `null` when there is none.
 */
type Out<K extends keyof Schemas> = Required<Schemas[K]>

export type Role = Schemas["Role"]
export type Me = Out<"Me">
export type DocumentRef = Out<"DocumentRef">
/** A resident as GET /api/residents and GET /api/admin/residents give them. Personal data: for the screen only. */
export type ResidentOut = Out<"ResidentOut">

export type Priority = Schemas["Priority"]

export type NoticeOut = Out<"NoticeOut">

export interface NoticeIn {
  title: string
  body: string
  priority: Priority
  audience: Schemas["AudienceKind"]
  districts: string[]
  role: string | null
  expires_on: string | null
}

export type SentNotice = Out<"SentNoticeOut">

export type Tracking = Out<"Tracking">

export type ReviewItem = Out<"ReviewItem">

export type EarlierVersion = Out<"EarlierVersion">

export type DeviceOut = Out<"DeviceOut">

/** POST /api/admin/devices: a tablet to enrol, with its one-time code (never stored by the app). */
export type DeviceIssued = Out<"DeviceIssued">

export interface DeviceEvent {
  event: "unlock" | "lock" | "erase"
  reason?: "wrong_pins" | "expired"
  at: number
}

export type Totals = Out<"Totals">
export type ActivityReport = Out<"ActivityReport">
export type Charts = Out<"Charts">
export type OverdueOut = Out<"OverdueOut">

export type AlertStatus = "open" | "acknowledged" | "closed"

export type AlertOut = Out<"AlertOut">

/** 読めなかった記録: an entry the server could not read (codes only, no content). */
export type DataProblemOut = Out<"DataProblemOut">

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
export type RowProblem = Out<"RowProblem">
/** What a roster import would do (the preview) or did (`applied`). */
export type RosterPlan = Out<"RosterPlan">
/** What an import of the list of people would do, or did (with each new person's first password). */
export type PeoplePlan = Out<"PeoplePlan">
/** What an import of the list of assignments would do, or did. */
export type AssignmentsPlan = Out<"AssignmentsPlan">
/** The city's lists the office imports as CSV: residents (名簿), people, assignments. */
export interface CsvPlans {
  residents: RosterPlan
  people: PeoplePlan
  assignments: AssignmentsPlan
}

/**
 * Uploads one of the city's CSV lists as it is (the server reads UTF-8 or Shift_JIS): the preview,
 * or the import.
 */
async function uploadCsv<K extends keyof CsvPlans>(what: K, file: Blob, confirm: boolean): Promise<CsvPlans[K]> {
  const res = await fetch(`/api/admin/roster/${what}?confirm=${confirm}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "text/csv", "X-Mimamori-App-Version": APP_VERSION },
    body: file,
  })
  // 422: the preview of a file with errors (nothing was written).
  if (res.ok || res.status === 422) return (await res.json()) as CsvPlans[K]
  let message = "ファイルを送れませんでした。もう一度お試しください。"
  try {
    message = (await res.json())?.error?.message ?? message
  } catch {
    /* not JSON */
  }
  throw new ApiError(res.status, "http_" + res.status, message)
}

/** The residents' roster (要援護者名簿). */
const uploadRoster = (file: Blob, confirm: boolean) => uploadCsv("residents", file, confirm)

export type UserOut = Out<"UserOut">

export interface HandOverMove {
  from: string
  to?: string
  /** Only these residents (a caseload split among several successors); default: all of them. */
  residents?: string[]
}

export type HandOverResult = Out<"HandOverResult">

export type DistrictOverview = Out<"DistrictOverview">

export const api = {
  overview: () => call<Out<"Overview">>("GET", "/api/staff/overview"),
  uploadRoster,
  uploadCsv,
  /** 紙の一覧: the district's residents who need help to evacuate, with their plans (printed only). */
  paperList: (district: string) => call<PaperList>("GET", `/api/evacuation/districts/${encodeURIComponent(district)}`),
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
  enrol: (code: string) => call<Out<"Enrolled">>("POST", "/api/devices/enrol", { code }),
  documents: () => call<DocumentRef[]>("GET", "/api/documents"),
  activityLog: () => call<Out<"ActivityLogRef">>("GET", "/api/activity-log"),
  residents: () => call<ResidentOut[]>("GET", "/api/residents"),
  keyShare: () => call<Out<"KeyShare">>("GET", "/api/devices/key-share"),
  wiped: () => call<void>("POST", "/api/devices/wiped", {}),
  deviceEvents: (events: DeviceEvent[]) => call<void>("POST", "/api/devices/events", { events }),
  notices: () => call<NoticeOut[]>("GET", "/api/notices"),
  markRead: (id: string) => call<void>("POST", `/api/notices/${encodeURIComponent(id)}/read`, {}),
  pushKey: () => call<Out<"PushKey">>("GET", "/api/push/key"),
  subscribe: (sub: PushSubscriptionJSON) => call<void>("POST", "/api/push/subscriptions", sub),
  districts: () => call<DistrictOut[]>("GET", "/api/districts"),
  staffNotices: () => call<SentNotice[]>("GET", "/api/staff/notices"),
  createNotice: (n: NoticeIn) => call<SentNotice>("POST", "/api/staff/notices", n),
  updateNotice: (id: string, n: NoticeIn) => call<SentNotice>("PUT", `/api/staff/notices/${id}`, n),
  sendNotice: (id: string) => call<SentNotice>("POST", `/api/staff/notices/${id}/send`, {}),
  withdrawNotice: (id: string) => call<SentNotice>("POST", `/api/staff/notices/${id}/withdraw`, {}),
  devices: () => call<DeviceOut[]>("GET", "/api/admin/devices"),
  revokeDevice: (id: string) => call<DeviceOut>("POST", `/api/admin/devices/${encodeURIComponent(id)}/revoke`, {}),
  activity: (month: string) => call<ActivityReport>("GET", `/api/reports/activity?month=${encodeURIComponent(month)}`),
  overdue: () => call<OverdueOut[]>("GET", "/api/review/overdue"),
  charts: () => call<Charts>("GET", "/api/charts"),
  snowfallDays: () => call<string[]>("GET", "/api/review/snowfall"),
  markSnowfall: (day: string) => call<void>("POST", "/api/review/snowfall", { day }),
  markCitySnowfall: (day: string) => call<Out<"SnowfallMarked">>("POST", "/api/staff/snowfall", { day, districts: [] }),
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
export type AdminUserOut = UserOut

export type DistrictOut = Out<"DistrictOut">

/** A resident as GET /api/admin/residents gives them. Personal data: for the screen only. */
export type AdminResidentOut = ResidentOut

/** 担当: a commissioner watches a resident from `starts_on` to `ends_on` (the last day, included). */
export type AssignmentOut = Out<"AssignmentOut">

/** One entry of the audit log, as stored: ids and codes only. */
export type AuditOut = Out<"AuditOut">

/** A reset's temporary password: shown once, handed to the user in person. */
export type PasswordReset = Out<"PasswordReset">

const userPath = (id: string, what: string) => `/api/admin/users/${encodeURIComponent(id)}/${what}`

/**
 * `/api/admin/*` calls of the staff screens, as the server allows them: the lists (GET) answer city
 * staff and the administrator; every change, the administrator only (403 for city staff).
 */
/** A disaster the city declared (災害モード), as the office and the tablets see it. */
export type DisasterOut = Out<"DisasterOut">
export type DisasterKind = DisasterOut["kind"]

export type PaperList = Out<"PaperList">
export type DistrictSafety = Out<"DistrictSafety">
export type DisasterCounts = Out<"DisasterCounts">
export type SafetyCounts = Out<"SafetyCounts">

/** 災害モード, the office's side (city staff and the administrator) and the lead's roll-up. */
export const disasterApi = {
  counts: (id: string) => call<DisasterCounts>("GET", `/api/staff/disasters/${encodeURIComponent(id)}/counts`),
  countsCsvUrl: (id: string) => `/api/staff/disasters/${encodeURIComponent(id)}/counts.csv`,
  district: (id: string) => call<DistrictSafety>("GET", `/api/review/disasters/${encodeURIComponent(id)}`),
  takeOver: (id: string, commissioner_id: string) =>
    call<void>("POST", `/api/review/disasters/${encodeURIComponent(id)}/takeovers`, { commissioner_id }),
  release: (id: string, commissioner_id: string) =>
    call<void>("DELETE", `/api/review/disasters/${encodeURIComponent(id)}/takeovers/${encodeURIComponent(commissioner_id)}`),
  list: () => call<DisasterOut[]>("GET", "/api/staff/disasters"),
  declare: (d: { kind: DisasterKind; title?: string; city_wide: boolean; districts: string[]; occurred_at?: number; drill: boolean }) =>
    call<DisasterOut>("POST", "/api/staff/disasters", d),
  end: (id: string) => call<DisasterOut>("POST", `/api/staff/disasters/${encodeURIComponent(id)}/end`, {}),
}

export const adminApi = {
  districts: () => call<DistrictOut[]>("GET", "/api/admin/districts"),
  users: () => call<AdminUserOut[]>("GET", "/api/admin/users"),
  resetPassword: (id: string) => call<PasswordReset>("POST", userPath(id, "password-reset"), {}),
  disableUser: (id: string) => call<AdminUserOut>("POST", userPath(id, "disable"), {}),
  enableUser: (id: string) => call<AdminUserOut>("POST", userPath(id, "enable"), {}),
  changeRole: (id: string, change: { role: Role; district_id?: string }) => call<AdminUserOut>("POST", userPath(id, "role"), change),
  residents: () => call<AdminResidentOut[]>("GET", "/api/admin/residents"),
  assignments: () => call<AssignmentOut[]>("GET", "/api/admin/assignments"),
  assign: (a: { resident_id: string; commissioner_id: string; starts_on: string; ends_on?: string }) =>
    call<AssignmentOut>("POST", "/api/admin/assignments", a),
  endAssignment: (id: string, ends_on: string) =>
    call<AssignmentOut>("POST", `/api/admin/assignments/${encodeURIComponent(id)}/end`, { ends_on }),
  devices: () => call<DeviceOut[]>("GET", "/api/admin/devices"),
  /** A tablet to enrol (the administrator): its one-time code, shown this once, valid 7 days. */
  issueDevice: (label: string) => call<DeviceIssued>("POST", "/api/admin/devices", { label }),
  /**
   * The entries that match, newest first, 500 at a time: `actor` a user id or "-" (no user), `action`
   * a code, `from`/`to` Japanese days (both included), `before` the last id of the page before.
   */
  audit: (q: { actor?: string; action?: string; from?: string; to?: string; before?: number } = {}) => {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== "") params.set(k, String(v))
    const qs = params.toString()
    return call<AuditOut[]>("GET", "/api/admin/audit" + (qs ? "?" + qs : ""))
  },
}
