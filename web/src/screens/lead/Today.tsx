// The district lead's home, 「今日の確認」: what needs the lead today, in order — 見守りの注意 (alerts)
// with their actions (Alerts.tsx), 確認依頼 still open, residents overdue, concerns not yet looked at,
// and records the server could not read. Everything else (the full list, charts) is behind links.
import { withShownReviews } from "../../marks"
import { useCallback, useEffect, useState, useSyncExternalStore, type ReactNode } from "react"
import type { DocEntry, Store } from "../../store"
import { api, messageOf, type AlertOut, type DataProblemOut, type OverdueOut, type ReviewItem } from "../../api"
import { ErrorLine } from "../../ui"
import { CONCERNS, REVIEW_MARKS, formatJst, label, monthDayJa, str } from "../../schema"
import { PROBLEM_KINDS, findResidents, homeAlerts, reviewRequests, unmarkedConcerns } from "../../today"
import { AlertCard } from "./Alerts"

/** How many lines of each list the home shows before 「ほかN件」. */
const SHOWN = 5

/** Reloads when the service worker says a push arrived (a new alert). */
function useOnPush(reload: () => void) {
  useEffect(() => {
    const on = (e: MessageEvent) => {
      if (e.data?.type === "push") reload()
    }
    navigator.serviceWorker?.addEventListener("message", on)
    return () => navigator.serviceWorker?.removeEventListener("message", on)
  }, [reload])
}

export function LeadHome({ store }: { store: Store }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const [alerts, setAlerts] = useState<AlertOut[]>()
  const [overdue, setOverdue] = useState<OverdueOut[]>([])
  const [contacts, setContacts] = useState<ReviewItem[]>([])
  const [problems, setProblems] = useState<DataProblemOut[]>([])
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<string>()
  const [q, setQ] = useState("")
  const load = useCallback(() => {
    const fail = (e: unknown) => setError(messageOf(e))
    api.alerts().then(setAlerts, fail)
    api.overdue().then(setOverdue, fail)
    api.reviewContacts("").then(setContacts, fail)
    api.dataProblems().then(setProblems, fail)
  }, [])
  useEffect(load, [load])
  useOnPush(load)
  const shownAlerts = homeAlerts(alerts ?? [])
  const shownDocs = s.docs.map(e => withShownReviews(e, s.me?.district_leads))
  const requests = reviewRequests(shownDocs)
  const concerns = unmarkedConcerns(contacts, shownDocs, alerts ?? [])
  const found = findResidents(s.docs, q)
  const changed = (a: AlertOut) => {
    setDone(a.status === "closed" ? `${a.resident_name}さんの注意を「対応済み」にしました。` : undefined)
    load()
  }
  return (
    <section className="today">
      <div className="today-head">
        <h1>今日の確認</h1>
        <nav className="today-links">
          <a className="button" href="#/review">
            記録の確認（地区）
          </a>
          <a className="button" href="#/reports">
            活動記録（月）
          </a>
          <a className="button" href="#/activities">
            わたしの活動
          </a>
          <a className="button" href="#/residents">
            すべての対象者
          </a>
        </nav>
      </div>
      <label className="find">
        <span>対象者をさがす</span>
        <input name="search" type="search" autoComplete="off" placeholder="名前・ふりがな" value={q} onChange={e => setQ(e.target.value)} />
      </label>
      {q.trim() && (
        <ul className="today-list" data-testid="found">
          {found.length === 0 && <li className="hint">見つかりません。</li>}
          {found.map(r => (
            <li key={r.residentId}>
              <a href={`#/r/${encodeURIComponent(r.residentId)}`}>
                <strong>{r.name}</strong> <span className="kana">{r.kana}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
      <ErrorLine text={error} />

      {/* Two columns on a PC (one on a narrow screen, alerts first): what needs acting on now on the
          left, what is late or not yet seen on the right, so a typical day fits one 1280×800 screen
          (the demo city's lead: 1,431 px in one column). */}
      <div className="today-grid">
        <div className="today-col">
          <h2>
            見守りの注意 <span className="count-words">{alerts ? `${shownAlerts.length}件` : ""}</span>
          </h2>
          {done && (
            <p className="saved" role="status" data-testid="alert-done">
              {done}
            </p>
          )}
          {alerts === undefined && !error && <p className="hint">読み込み中…</p>}
          {alerts && shownAlerts.length === 0 && <p className="hint">いま、対応が必要な注意はありません。</p>}
          <ol className="alerts" data-testid="home-alerts">
            {shownAlerts.map(a => (
              <li key={a.id}>
                <AlertCard alert={a} changed={changed} />
              </li>
            ))}
          </ol>
          <p className="more">
            <a href="#/alerts">対応済みの注意（これまで）</a>
          </p>

          <Approvals store={store} entries={s.docs.filter(d => d.awaitingApproval && d.doc)} />

          <HomeList title="確認をお願いした記録" unit="件" items={requests} more="#/review" testid="home-requests">
            {r => (
              <li key={r.contactId}>
                <a href={`#/review/${encodeURIComponent(r.residentId)}`}>
                  <strong>{r.name}</strong> {formatJst(r.occurredAt)}の記録に「{label(REVIEW_MARKS, r.mark)}」
                  {r.answer ? <span className="badge answered">返事が来ています</span> : <span className="badge warn">返事待ち</span>}
                </a>
              </li>
            )}
          </HomeList>
        </div>
        <div className="today-col">
          <HomeList title="連絡がおくれている方" unit="人" items={overdue} more="#/overdue" testid="home-overdue">
            {o => (
              <li key={o.resident_id}>
                <a href={`#/r/${encodeURIComponent(o.resident_id)}`}>
                  <strong>{o.resident_name}</strong>（担当 {o.commissioner}）
                  {o.not_seen_since_snowfall ? (
                    <span className="badge warn">降雪（{monthDayJa(o.not_seen_since_snowfall)}）のあと未確認</span>
                  ) : o.days_overdue === null ? (
                    <span className="badge warn">まだ連絡していません</span>
                  ) : (
                    <span className="badge warn">予定より{o.days_overdue}日おくれ</span>
                  )}
                </a>
              </li>
            )}
          </HomeList>
          <HomeList title="気になる記録（まだ見ていないもの）" unit="件" items={concerns} more="#/review" testid="home-concerns">
            {c => (
              <li key={`${c.resident_id}/${c.contact_id}`}>
                <a href={`#/review/${encodeURIComponent(c.resident_id)}`}>
                  <strong>{c.resident_name}</strong> {formatJst(c.occurred_at)}（{c.commissioner}）
                  <span className={`badge concern-${c.concern}`}>{label(CONCERNS, c.concern)}</span>
                </a>
              </li>
            )}
          </HomeList>
          <HomeList
            title="読めなかった記録"
            unit="件"
            items={problems}
            testid="home-problems"
            note="タブレットから届いた記録の一部を、市役所のシステムが読めませんでした。送った方のタブレットを市の担当に見てもらってください。"
          >
            {(p, i) => (
              <li key={i} className="problem">
                {monthDayJa(p.detected_on)} {p.commissioner ?? "（送った方は不明）"}のタブレットから　{p.resident_name}さんの
                {PROBLEM_KINDS[p.entry_kind] ?? "記録"}
                <span className="code">（{p.problem}）</span>
              </li>
            )}
          </HomeList>
        </div>
      </div>
    </section>
  )
}

/** One list of the home: its heading with the count, the first [`SHOWN`] lines, a link to the rest
 * (`more`; none: a line saying how many more); nothing at all when it is empty. */
function HomeList<T>({
  title,
  unit,
  items,
  more,
  testid,
  note,
  children,
}: {
  title: string
  unit: string
  items: T[]
  more?: string
  testid: string
  /** A line under the heading. */
  note?: string
  children: (item: T, index: number) => ReactNode
}) {
  if (items.length === 0) return null
  const rest = items.length - SHOWN
  return (
    <>
      <h2>
        {title} <span className="count-words">{`${items.length}${unit}`}</span>
      </h2>
      {note && <p className="hint">{note}</p>}
      <ul className="today-list" data-testid={testid}>
        {items.slice(0, SHOWN).map(children)}
      </ul>
      {rest > 0 &&
        (more ? (
          <p className="more">
            <a href={more}>ほか{rest}{unit}を見る</a>
          </p>
        ) : (
          <p className="hint">ほか{rest}{unit}</p>
        ))}
    </>
  )
}

/** 新しく登録された方: residents a commissioner registered from a tablet, for the lead to approve or
 * decline (not someone to watch: archived at the server, what was recorded kept). */
function Approvals({ store, entries }: { store: Store; entries: DocEntry[] }) {
  const [error, setError] = useState<string>()
  const [approved, setApproved] = useState<string>()
  // The resident whose 「登録しない」 waits for its confirmation.
  const [declining, setDeclining] = useState<string>()
  if (entries.length === 0 && !approved) return null
  async function decline(e: DocEntry) {
    setError(undefined)
    try {
      await api.declineResident(e.residentId)
      setDeclining(undefined)
      setApproved(`${str(e.doc?.profile?.name)}さんは見守りの対象にしませんでした（記録は市役所に残ります）。`)
      await store.refreshSession()
    } catch (err) {
      setError(messageOf(err))
    }
  }
  async function approve(e: DocEntry) {
    setError(undefined)
    try {
      await api.approveResident(e.residentId)
      setApproved(`${str(e.doc?.profile?.name)}さんを見守りの対象にしました。`)
      await store.refreshSession()
    } catch (err) {
      setError(messageOf(err))
    }
  }
  return (
    <>
      <h2>
        新しく登録された方（承認待ち） <span className="count-words">{entries.length}人</span>
      </h2>
      {approved && (
        <p className="saved" role="status" data-testid="approved">
          {approved}
        </p>
      )}
      <ErrorLine text={error} />
      <ul className="today-list" data-testid="home-approvals">
        {entries.map(e => (
          <li key={e.url}>
            <strong>{str(e.doc?.profile?.name)}</strong> <span className="kana">{str(e.doc?.profile?.kana)}</span>{" "}
            {str(e.doc?.profile?.address)}
            {str(e.doc?.profile?.notes) && <p className="note">気づいたこと：{str(e.doc?.profile?.notes)}</p>}
            <div className="actions">
              <button type="button" className="primary" onClick={() => void approve(e)}>
                承認する
              </button>
              {declining === e.residentId ? (
                <>
                  <span>見守りの対象にしませんか？</span>
                  <button type="button" onClick={() => void decline(e)}>
                    はい、登録しない
                  </button>
                  <button type="button" onClick={() => setDeclining(undefined)}>
                    やめる
                  </button>
                </>
              ) : (
                <button type="button" onClick={() => setDeclining(e.residentId)}>
                  登録しない
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </>
  )
}
