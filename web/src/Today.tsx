// The district lead's home, 「今日の確認」: what needs the lead today, in order — 見守りの注意 (alerts)
// with their actions, 確認依頼 still open, residents overdue, concerns not yet looked at, and
// records the server could not read. Everything else (the full list, charts) is behind links.
// Also the alert screen (#/alerts/ID, where an alert's push leads) and the closed alerts (#/alerts).
import { useCallback, useEffect, useState, useSyncExternalStore, type ReactNode } from "react"
import type { Store } from "./store"
import { api, messageOf, ApiError, MAX_CLOSE_NOTE_CHARS, type AlertOut, type DataProblemOut, type OverdueOut, type ReviewItem } from "./api"
import { ErrorLine, Field } from "./ui"
import { CONCERNS, REVIEW_MARKS, formatJst, formatMs, label, monthDayJa } from "./schema"
import { PROBLEM_KINDS, findResidents, homeAlerts, reviewRequests, telHref, unmarkedConcerns } from "./today"

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
  const requests = reviewRequests(s.docs)
  const concerns = unmarkedConcerns(contacts, s.docs, alerts ?? [])
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
        note="タブレットから届いた記録の一部を、サーバーが読めませんでした。送った方のタブレットを市の担当に見てもらってください。"
      >
        {(p, i) => (
          <li key={i} className="problem">
            {monthDayJa(p.detected_on)} {p.commissioner ?? "（送った方は不明）"}のタブレットから　{p.resident_name}さんの
            {PROBLEM_KINDS[p.entry_kind] ?? "記録"}
            <span className="code">（{p.problem}）</span>
          </li>
        )}
      </HomeList>
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

const STATUS_WORDS: Record<string, string> = { open: "新しい", acknowledged: "対応中", closed: "対応済み" }

/** One alert: who, what, when and by whom, whom to call, and the lead's actions. */
export function AlertCard({ alert: a, changed }: { alert: AlertOut; changed: (a: AlertOut) => void }) {
  const [closing, setClosing] = useState(false)
  const [note, setNote] = useState("")
  const [error, setError] = useState<{ field?: string; message: string }>()
  const [busy, setBusy] = useState(false)
  async function act(run: () => Promise<AlertOut>) {
    setBusy(true)
    try {
      const updated = await run()
      setError(undefined)
      setClosing(false)
      setNote("")
      changed(updated)
    } catch (e) {
      setError({ field: e instanceof ApiError ? e.field : undefined, message: messageOf(e) })
    } finally {
      setBusy(false)
    }
  }
  function close(e: React.FormEvent) {
    e.preventDefault()
    if (note.trim().length > MAX_CLOSE_NOTE_CHARS)
      return setError({ field: "note", message: `メモは${MAX_CLOSE_NOTE_CHARS}文字までです（いま${note.trim().length}文字）。` })
    void act(() => api.closeAlert(a.id, note))
  }
  const urgent = a.route === "110" || a.route === "119"
  return (
    <article className={`alert alert-${a.status}${urgent ? " urgent" : ""}`} data-testid="alert">
      <div className="alert-text">
        <div className="alert-who">
          <span className={`badge status-${a.status}`}>{STATUS_WORDS[a.status]}</span>
          <a className="alert-name" href={`#/r/${encodeURIComponent(a.resident_id)}`} data-testid="alert-resident">
            {a.resident_name}
          </a>
          <span className="alert-title" data-testid="alert-title">
            {a.title}
          </span>
        </div>
        <div className="alert-when">
          {a.occurred_at ? `${formatJst(a.occurred_at)}の記録` : "記録"}
          {a.recorded_by && `（${a.recorded_by}）`}
        </div>
        <div className="alert-route">
          相談先: {a.route_label}
          {a.route_phone && (
            <>
              {" "}
              <a className="tel" href={telHref(a.route_phone)}>
                {a.route_phone}
              </a>
            </>
          )}
        </div>
        {a.status === "closed" && (
          <div className="alert-closed" data-testid="alert-closed">
            {formatMs(a.closed_at)} 対応済み{a.close_note && `：${a.close_note}`}
          </div>
        )}
      </div>
      {a.status !== "closed" && !closing && (
        <div className="alert-actions">
          {a.status === "open" && (
            <button type="button" disabled={busy} onClick={() => void act(() => api.acknowledgeAlert(a.id))}>
              対応中にする
            </button>
          )}
          <button type="button" className="primary" disabled={busy} onClick={() => setClosing(true)}>
            対応済みにする
          </button>
        </div>
      )}
      {closing && (
        <form className="alert-close" onSubmit={close} noValidate>
          <Field label="したこと（メモ・なくてもかまいません）" error={error?.field === "note" ? error.message : undefined}>
            <textarea name="close-note" rows={2} autoComplete="off" value={note} onChange={e => setNote(e.target.value)} />
          </Field>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              この内容で対応済みにする
            </button>
            <button type="button" onClick={() => setClosing(false)}>
              やめる
            </button>
          </div>
        </form>
      )}
      <ErrorLine text={error && error.field !== "note" ? error.message : undefined} />
    </article>
  )
}

/** One alert (where its push leads), with the same actions as on the home. */
export function AlertScreen({ id }: { id: string }) {
  const [alert, setAlert] = useState<AlertOut>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    api.alert(id).then(setAlert, e =>
      setError(e instanceof ApiError && e.status === 404 ? "この注意は見つかりません（ほかの地区のものか、消えています）。" : messageOf(e)),
    )
  }, [id])
  return (
    <section>
      <h1>見守りの注意</h1>
      <ErrorLine text={error} />
      {!alert && !error && <p className="hint">読み込み中…</p>}
      {alert && <AlertCard alert={alert} changed={setAlert} />}
      {alert?.status === "closed" && (
        <p className="saved" role="status">
          「対応済み」になっています。
        </p>
      )}
      <p className="more">
        <a className="button" href="#/">
          今日の確認へ
        </a>
      </p>
    </section>
  )
}

/** Alerts already handled (対応済み), newest first. */
export function AlertHistory() {
  const [list, setList] = useState<AlertOut[]>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    api.alerts("closed").then(setList, e => setError(messageOf(e)))
  }, [])
  return (
    <section>
      <h1>対応済みの注意</h1>
      <ErrorLine text={error} />
      {list && list.length === 0 && <p className="hint">まだありません。</p>}
      <ol className="alerts">
        {(list ?? []).map(a => (
          <li key={a.id}>
            <AlertCard alert={a} changed={() => {}} />
          </li>
        ))}
      </ol>
    </section>
  )
}
