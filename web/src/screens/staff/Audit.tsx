// 操作の記録 (the audit log): who did what, when, to which record — ids and codes as stored, never a
// resident's name. Filtered by who (a user, or 利用者なし: the host's admin commands and what a
// tablet does before anyone logs in on it), what (the action) and when (from–to, Japanese days, both
// included); 50 a page, newest first. The server searches the whole log, 500 entries at a time
// (「さらに前の記録を読む」 for the next 500); the same filters also apply at once to what is on screen,
// while the server's answer is on its way. City staff and the administrator (nothing here changes
// anything).
import { useEffect, useMemo, useState } from "react"
import { adminApi, messageOf, type AdminUserOut, type AuditOut } from "../../api"
import { formatMs } from "../../schema"
import { ErrorLine, Field } from "../../ui"
import { ACTION_WORDS, filterAudit, NO_ACTOR, pageOf, type AuditFilter } from "./lists"
import { Pager } from "./Pager"

/** What the server answers at most at a time. */
const AUDIT_BATCH = 500

export function Audit() {
  const [entries, setEntries] = useState<AuditOut[]>()
  const [users, setUsers] = useState<AdminUserOut[]>([])
  const [error, setError] = useState<string>()
  const [f, setF] = useState<AuditFilter>({ actor: "", action: "", from: "", to: "" })
  const [page, setPage] = useState(0)
  // Whether the server may hold older entries that match (the last answer was a full 500).
  const [more, setMore] = useState(false)
  const [loadingMore, setLoadingMore] = useState(false)
  // Whether the server's answer for the filters on screen is still on its way (the table says so:
  // aria-busy, until then it shows what the filters leave of the last answer).
  const [busy, setBusy] = useState(true)
  useEffect(() => {
    adminApi.users().then(setUsers, e => setError(messageOf(e)))
  }, [])
  useEffect(() => {
    let current = true
    adminApi.audit(f).then(
      es => {
        if (!current) return
        setEntries(es)
        setMore(es.length === AUDIT_BATCH)
        setError(undefined)
        setBusy(false)
      },
      e => {
        if (!current) return
        setError(messageOf(e))
        setBusy(false)
      },
    )
    return () => {
      current = false
    }
  }, [f])
  async function loadOlder() {
    if (!entries?.length) return
    setLoadingMore(true)
    try {
      const older = await adminApi.audit({ ...f, before: entries[entries.length - 1].id })
      setEntries([...entries, ...older])
      setMore(older.length === AUDIT_BATCH)
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setLoadingMore(false)
    }
  }
  const login = useMemo(() => new Map(users.map(u => [u.id, u.login])), [users])
  // Every action the log holds, and every one this screen has words for.
  const actions = useMemo(
    () => [...new Set([...Object.keys(ACTION_WORDS), ...(entries ?? []).map(e => e.action)])].sort(),
    [entries],
  )
  const shown = useMemo(() => filterAudit(entries ?? [], f), [entries, f])
  const p = pageOf(shown, page)
  const set = (k: keyof AuditFilter) => (v: string) => {
    setF({ ...f, [k]: v })
    setPage(0)
    setBusy(true)
  }

  return (
    <section className="staff-list audit">
      <h1>操作の記録</h1>
      <p className="hint">新しい順です。条件に合う記録を市役所のサーバーから500件ずつ読みます。対象は記録のとおりの番号（ID）で表示します。</p>
      <div className="filters">
        <Field label="誰が">
          <select name="actor" value={f.actor} onChange={e => set("actor")(e.target.value)}>
            <option value="">すべて</option>
            {users.map(u => (
              <option key={u.id} value={u.id}>
                {u.login}（{u.display_name}）
              </option>
            ))}
            <option value={NO_ACTOR}>利用者なし（管理コマンド、タブレットの登録など）</option>
          </select>
        </Field>
        <Field label="何を">
          <select name="action" value={f.action} onChange={e => set("action")(e.target.value)}>
            <option value="">すべて</option>
            {actions.map(a => (
              <option key={a} value={a}>
                {ACTION_WORDS[a] ? `${ACTION_WORDS[a]}（${a}）` : a}
              </option>
            ))}
          </select>
        </Field>
        <Field label="いつから">
          <input type="date" name="from" value={f.from} onChange={e => set("from")(e.target.value)} />
        </Field>
        <Field label="いつまで">
          <input type="date" name="to" value={f.to} min={f.from || undefined} onChange={e => set("to")(e.target.value)} />
        </Field>
      </div>
      <ErrorLine text={error} />
      {!entries ? (
        <p className="hint">読み込み中…</p>
      ) : (
        <>
          <p data-testid="count">
            {entries.length}件中 {shown.length}件
          </p>
          <table className="data list-table audit-table" data-testid="audit" aria-busy={busy}>
            <thead>
              <tr>
                <th>日時</th>
                <th>誰が</th>
                <th>何を</th>
                <th>対象</th>
                <th>内容</th>
              </tr>
            </thead>
            <tbody>
              {p.rows.map(e => (
                <tr key={e.id} data-testid="audit-entry" data-action={e.action} data-target={e.target_id ?? ""} data-actor={e.actor_user_id ?? ""}>
                  <td className="when">{formatMs(e.at)}</td>
                  <td>
                    {e.actor_user_id ? (login.get(e.actor_user_id) ?? "") : e.actor_device_id ? "" : "管理コマンド"}
                    {e.actor_user_id && <span className="code">{e.actor_user_id}</span>}
                    {e.actor_device_id && <span className="code">端末 {e.actor_device_id}</span>}
                  </td>
                  <td>
                    {ACTION_WORDS[e.action] ?? ""}
                    <span className="code">{e.action}</span>
                  </td>
                  <td>
                    {e.target_kind}
                    {e.target_id && <span className="code">{e.target_id}</span>}
                  </td>
                  <td className="detail">{e.detail === "{}" ? "" : e.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager p={p} onPage={setPage} unit="件" />
          {more && (
            <button type="button" data-testid="audit-older" disabled={loadingMore} onClick={() => void loadOlder()}>
              さらに前の記録を読む（500件）
            </button>
          )}
        </>
      )}
    </section>
  )
}
