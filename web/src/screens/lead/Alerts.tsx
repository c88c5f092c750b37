// 見守りの注意: one alert as a card with the lead's actions (対応中 / 対応済み, つなぎを記録する), the
// alert's own screen (#/alerts/ID, where its push leads, listing the referrals made from it), the
// referral form for it (#/alerts/ID/referral: the agency of its route chosen, so 分野 and 保存する are
// the only taps left) and the alerts already closed (#/alerts). The home (Today.tsx) shows the open
// ones with the same card.
import { useEffect, useState, useSyncExternalStore } from "react"
import { api, messageOf, ApiError, MAX_CLOSE_NOTE_CHARS, type AlertOut } from "../../api"
import type { Store } from "../../store"
import { ErrorLine, Field, deviceWord } from "../../ui"
import { formatJst, formatMs, str } from "../../schema"
import { telHref } from "../../today"
import { agencyOfRoute, referralsOfAlert } from "../../referrals"
import { ReferralForm } from "../common/ReferralForm"
import { ReferralItem } from "../common/Referrals"

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
          )}{" "}
          {/* Beside the route it suggests: a referral to that agency, in one step. */}
          <a className="button referral-link" href={`#/alerts/${encodeURIComponent(a.id)}/referral`} data-testid="alert-referral">
            つなぎを記録する
          </a>
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

/** The alert `id` from the server, or why it cannot be shown. */
function useAlert(id: string) {
  const [alert, setAlert] = useState<AlertOut>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    api.alert(id).then(setAlert, e =>
      setError(e instanceof ApiError && e.status === 404 ? "この注意は見つかりません（ほかの地区のものか、消えています）。" : messageOf(e)),
    )
  }, [id])
  return { alert, setAlert, error }
}

/**
 * One alert (where its push leads), with the same actions as on the home, and the referrals made
 * from it; `saved`: after one was saved (#/alerts/ID/referral/saved).
 */
export function AlertScreen({ id, store, saved }: { id: string; store: Store; saved?: boolean }) {
  const { alert, setAlert, error } = useAlert(id)
  const s = useSyncExternalStore(store.subscribe, store.get)
  const doc = alert && s.docs.find(d => d.residentId === alert.resident_id)?.doc
  const referrals = referralsOfAlert(doc, id)
  return (
    <section>
      <h1>見守りの注意</h1>
      {saved && (
        <p className="saved" role="status" data-testid="saved">
          保存しました。
        </p>
      )}
      <ErrorLine text={error} />
      {!alert && !error && <p className="hint">読み込み中…</p>}
      {alert && <AlertCard alert={alert} changed={setAlert} />}
      {alert?.status === "closed" && (
        <p className="saved" role="status">
          「対応済み」になっています。
        </p>
      )}
      {referrals.length > 0 && (
        <>
          <h2>この注意からのつなぎ</h2>
          <ol className="referrals" data-testid="alert-referrals">
            {referrals.map(r => (
              <ReferralItem key={str(r.id)} referral={r} />
            ))}
          </ol>
        </>
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

/**
 * つなぎを記録する from an alert: the form for its resident, with the agency of its route chosen and
 * the alert noted on the referral. The resident's document is opened here if it was not yet (a lead's
 * PC holds the district's). Saved, it leads back to the alert, saying 保存しました.
 */
export function AlertReferral({ id, store }: { id: string; store: Store }) {
  const { alert, error } = useAlert(id)
  const s = useSyncExternalStore(store.subscribe, store.get)
  const entry = alert && s.docs.find(d => d.residentId === alert.resident_id)
  const url = entry?.url
  useEffect(() => {
    if (url) void store.open(url)
  }, [store, url])
  const back = `alerts/${encodeURIComponent(id)}`
  if (error) return <ErrorLine text={error} />
  if (!alert) return <p className="hint">読み込み中…</p>
  if (!entry) return <ErrorLine text={`${alert.resident_name}さんの記録がこの${deviceWord(s.me)}にありません。`} />
  if (!entry.doc) return <p className="hint">読み込み中…</p>
  return (
    <ReferralForm
      store={store}
      entry={entry}
      from={{ alertId: alert.id, to: agencyOfRoute(alert.route), title: alert.title }}
      back={back}
      done={`${back}/referral/saved`}
    />
  )
}
