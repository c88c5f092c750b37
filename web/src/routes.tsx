// The route table: which screen each hash shows, and to whom (Me.role in api.ts). Read it top to
// bottom; the first route whose path matches and whose roles include the user's wins, and a hash
// with no such route shows the role's home (HOMES). A longer hash matches too: #/reports/x shows the
// reports, #/r/ID/x the resident's page.
//
// Not in the table, because they come before it (App.tsx, in this order): an erased tablet, then
// #/enrol[/CODE] タブレットの登録 (the enrolment link is `/#/enrol/CODE`, so the code never reaches a server
// log), #/login ログイン (also whenever nobody is logged in), the PIN (whenever the store is not
// open), #/password パスワードを変える (also whenever the server says the password must change).
//
// Where the screens live: screens/common (more than one role), screens/commissioner (a commissioner's
// tablet; a district lead is a commissioner too), screens/lead (the district lead), screens/staff
// (the city office: city staff and the administrator).
import type { ReactNode } from "react"
import type { Me, Role } from "./api"
import type { DocEntry, State, Store } from "./store"
import { Missing } from "./screens/common/Missing"
import { NoticeDetail, NoticeList } from "./screens/common/Notices"
import { ReferralForm } from "./screens/common/ReferralForm"
import { Reports } from "./screens/common/Reports"
import { Activities } from "./screens/commissioner/Activities"
import { CommissionerHome } from "./screens/commissioner/CommissionerHome"
import { NewResident } from "./screens/commissioner/NewResident"
import { RecordForm } from "./screens/commissioner/RecordForm"
import { ResidentPage } from "./screens/commissioner/ResidentPage"
import { AlertHistory, AlertReferral, AlertScreen } from "./screens/lead/Alerts"
import { AllResidents } from "./screens/lead/AllResidents"
import { Overdue } from "./screens/lead/Overdue"
import { ReviewList } from "./screens/lead/Review"
import { LeadHome } from "./screens/lead/Today"
import { Devices } from "./screens/staff/Devices"
import { Roster } from "./screens/staff/Roster"
import { HandOver } from "./screens/staff/HandOver"
import { StaffHome } from "./screens/staff/StaffHome"
import { Assignments } from "./screens/staff/Assignments"
import { Audit } from "./screens/staff/Audit"
import { Disasters } from "./screens/staff/Disasters"
import { SafetyForm } from "./screens/disaster/SafetyForm"
import { PlanForm } from "./screens/commissioner/PlanForm"
import { PaperList } from "./screens/common/PaperList"
import { SafetyList } from "./screens/disaster/SafetyList"
import { countsSince } from "./safety"
import { DistrictSafety } from "./screens/lead/DistrictSafety"
import { Districts } from "./screens/staff/Districts"
import { People } from "./screens/staff/People"
import { Residents } from "./screens/staff/Residents"

/** What a route's screen is made from. */
export interface RouteArgs {
  store: Store
  /** The store's state as App() rendered it (logged in, PIN entered). */
  s: State
  me: Me
  /** The path's `:name` parts, decoded. */
  params: Record<string, string>
}

export interface Route {
  /** The hash after `#/`; `:name` stands for any one part, given to the screen as `params.name`. */
  path: string
  /** Who may open it; anyone else gets their home. */
  roles: readonly Role[]
  screen: (args: RouteArgs) => ReactNode
}

const EVERYONE: readonly Role[] = ["commissioner", "district_lead", "city_staff", "admin"]
/** The roles whose tablet holds residents' records and syncs them (store.ts holdsRecords). */
const RECORD_HOLDERS: readonly Role[] = ["commissioner", "district_lead"]
const LEAD: readonly Role[] = ["district_lead"]
/** The city office: city staff and the administrator. */
const OFFICE: readonly Role[] = ["city_staff", "admin"]

export const ROUTES: readonly Route[] = [
  // 対象者 (profile, timeline), 記録する, and the resident's page saying 保存しました after a record.
  {
    path: "r/:id/record",
    roles: RECORD_HOLDERS,
    screen: ({ store, s, params }) => resident(s, params.id, entry => <RecordForm store={store} entry={entry} />),
  },
  // つなぎを記録する (a referral), and the resident's page saying 保存しました after one.
  {
    path: "r/:id/referral/saved",
    roles: RECORD_HOLDERS,
    screen: ({ store, s, params }) => resident(s, params.id, entry => <ResidentPage store={store} entry={entry} saved={true} />),
  },
  {
    path: "r/:id/referral",
    roles: RECORD_HOLDERS,
    screen: ({ store, s, params }) =>
      resident(s, params.id, entry => {
        const page = `r/${encodeURIComponent(entry.residentId)}`
        return <ReferralForm store={store} entry={entry} back={page} done={`${page}/referral/saved`} />
      }),
  },
  // 個別避難計画を作る・直す.
  {
    path: "r/:id/plan",
    roles: RECORD_HOLDERS,
    screen: ({ store, s, params }) => resident(s, params.id, entry => <PlanForm store={store} entry={entry} />),
  },
  {
    path: "r/:id/saved",
    roles: RECORD_HOLDERS,
    screen: ({ store, s, params }) => resident(s, params.id, entry => <ResidentPage store={store} entry={entry} saved={true} />),
  },
  {
    path: "r/:id",
    roles: RECORD_HOLDERS,
    screen: ({ store, s, params }) => resident(s, params.id, entry => <ResidentPage store={store} entry={entry} saved={false} />),
  },
  // わたしの活動: the commissioner's own activity log (定例会・研修など).
  // 新しく見守る方を登録 (only a commissioner's tablet registers; the lead approves), and the home
  // saying it was registered.
  { path: "new", roles: ["commissioner"], screen: ({ store }) => <NewResident store={store} /> },
  { path: "registered", roles: ["commissioner"], screen: ({ store }) => <CommissionerHome store={store} route="registered" /> },
  { path: "activities", roles: RECORD_HOLDERS, screen: ({ store }) => <Activities store={store} /> },
  // 活動記録 of the month: the commissioner's own, the lead's district, the city's counts.
  { path: "reports", roles: ["commissioner", "district_lead", "city_staff"], screen: () => <Reports /> },
  // お知らせ: the inbox, and one notice.
  { path: "notices/:id", roles: EVERYONE, screen: ({ store, params }) => <NoticeDetail store={store} id={params.id} /> },
  { path: "notices", roles: EVERYONE, screen: ({ store }) => <NoticeList store={store} /> },
  // 記録の確認: the district's records, or one resident's (from 今日の確認); keyed, so that another
  // resident's opens afresh (filters cleared).
  { path: "review/:id", roles: LEAD, screen: ({ store, params }) => <ReviewList key={params.id} store={store} residentId={params.id} /> },
  { path: "review", roles: LEAD, screen: ({ store }) => <ReviewList key="" store={store} /> },
  // 見守りの注意: one alert (where its push leads); つなぎを記録する from it, and the alert again saying
  // 保存しました; without an ID, those 対応済み.
  {
    path: "alerts/:id/referral/saved",
    roles: LEAD,
    screen: ({ store, params }) => <AlertScreen key={params.id} id={params.id} store={store} saved={true} />,
  },
  { path: "alerts/:id/referral", roles: LEAD, screen: ({ store, params }) => <AlertReferral key={params.id} store={store} id={params.id} /> },
  { path: "alerts/:id", roles: LEAD, screen: ({ store, params }) => <AlertScreen key={params.id} id={params.id} store={store} /> },
  { path: "alerts", roles: LEAD, screen: () => <AlertHistory /> },
  // すべての対象者: the lead's whole district, with the charts.
  { path: "residents", roles: LEAD, screen: ({ store }) => <AllResidents store={store} /> },
  // 連絡が予定よりおくれている方, with the district's 降雪日.
  { path: "overdue", roles: LEAD, screen: () => <Overdue /> },
  // タブレットの管理: the loaned tablets.
  { path: "devices", roles: ["admin"], screen: () => <Devices /> },
  // 名簿の取り込み: the city's roster CSV, previewed, then imported.
  { path: "roster", roles: ["city_staff", "admin"], screen: ({ me }) => <Roster admin={me.role === "admin"} /> },
  // 改選・引き継ぎ: a district's outgoing commissioners' residents to their successors.
  { path: "handover", roles: ["admin"], screen: () => <HandOver /> },
  // The office's lists (the server's GET /api/admin/* answer city staff and the administrator; every
  // change, the administrator only, so city staff's screens show none): 人（利用者） with パスワードの
  // 再発行 and 利用停止・再開; 見守り対象者 with 「担当なし」 (#/residents is the lead's すべての対象者
  // above, for the lead); 担当, the city's or one resident's (adding and ending one); 操作の記録.
  { path: "people", roles: OFFICE, screen: ({ me }) => <People me={me} /> },
  { path: "residents", roles: OFFICE, screen: ({ me }) => <Residents role={me.role} /> },
  {
    path: "assignments/:id",
    roles: OFFICE,
    screen: ({ me, params }) => <Assignments key={params.id} role={me.role} residentId={params.id} />,
  },
  { path: "assignments", roles: OFFICE, screen: ({ me }) => <Assignments key="" role={me.role} /> },
  { path: "audit", roles: OFFICE, screen: () => <Audit /> },
  // 地区: the districts with their counts (residents, 担当なし, and the people in each).
  // 災害モード on the tablet: the own status and the 安否 list, one resident's 安否.
  { path: "disaster/:id/saved", roles: RECORD_HOLDERS, screen: ({ store, params }) => <SafetyList key={params.id} store={store} id={params.id} saved={true} /> },
  {
    path: "disaster/:id/r/:rid",
    roles: RECORD_HOLDERS,
    screen: ({ store, s, params }) => {
      const d = s.me?.disasters?.find(d => d.id === params.id)
      return resident(s, params.rid, entry => (
        <SafetyForm key={`${params.id}/${params.rid}`} store={store} entry={entry} id={params.id} kind={d?.kind ?? "other"} since={countsSince(params.id, d?.occurred_at)} />
      ))
    },
  },
  // 紙の一覧: the district's residents who need help to evacuate, to print.
  { path: "evacuation/:id", roles: ["district_lead", "city_staff", "admin"], screen: ({ params }) => <PaperList key={params.id} district={params.id} /> },
  // 災害モード, the lead's roll-up of the district.
  { path: "disaster/:id/district", roles: LEAD, screen: ({ me, params }) => <DistrictSafety key={params.id} id={params.id} me={me.id} /> },
  { path: "disaster/:id", roles: RECORD_HOLDERS, screen: ({ store, params }) => <SafetyList key={params.id} store={store} id={params.id} /> },
  // 災害モード: declare a disaster, list them, end one.
  { path: "disasters", roles: OFFICE, screen: () => <Disasters /> },
  { path: "districts", roles: OFFICE, screen: ({ me }) => <Districts role={me.role} /> },
  // The office home (お知らせの送信), for whoever asks for it by name.
  { path: "staff", roles: EVERYONE, screen: ({ me }) => <StaffHome role={me.role} /> },
]

/** Each role's home: `#/`, and every hash the table has no route for that role. */
export const HOMES: Record<Role, (args: RouteArgs) => ReactNode> = {
  // わたしの見守り, with the lead's requests to answer.
  commissioner: ({ store }) => <CommissionerHome store={store} />,
  // 今日の確認.
  district_lead: ({ store }) => <LeadHome store={store} />,
  // The office home: お知らせの送信, and city staff's charts and 降雪日, or the administrator's タブレットの管理.
  city_staff: ({ me }) => <StaffHome role={me.role} />,
  admin: ({ me }) => <StaffHome role={me.role} />,
}

/** The screen for the hash's parts (`#/r/ID` → ["r", "ID"]): the first route that matches, or the home. */
export function screenFor(parts: string[], args: Omit<RouteArgs, "params">): ReactNode {
  const found = findRoute(parts, args.me.role)
  return found ? found.route.screen({ ...args, params: found.params }) : HOMES[args.me.role]({ ...args, params: {} })
}

/** Whether the hash's parts show the role's home (no route of the table for them). */
export function showsHome(parts: string[], role: Role): boolean {
  return findRoute(parts, role) === undefined
}

/** The first route for this role whose path matches the hash's parts, with its `:name` parts. */
function findRoute(parts: string[], role: Role): { route: Route; params: Record<string, string> } | undefined {
  for (const route of ROUTES) {
    if (!route.roles.includes(role)) continue
    const params = matchPath(route.path, parts)
    if (params) return { route, params }
  }
  return undefined
}

/** The `:name` parts when `parts` starts with `path`'s parts; undefined when it does not. */
function matchPath(path: string, parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {}
  const wanted = path.split("/")
  for (let i = 0; i < wanted.length; i++) {
    const part = parts[i]
    if (part === undefined) return undefined
    if (wanted[i].startsWith(":")) params[wanted[i].slice(1)] = part
    else if (wanted[i] !== part) return undefined
  }
  return params
}

/** A resident's screen, or 見つかりません when this tablet does not hold the resident's records. */
function resident(s: State, id: string, show: (entry: DocEntry) => ReactNode): ReactNode {
  const entry = s.docs.find(d => d.residentId === id)
  return entry ? show(entry) : <Missing />
}
