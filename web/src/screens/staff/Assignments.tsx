// 担当: which commissioner watches which resident, from when (開始日) to when (終了日, the last day,
// included). The whole city's list, searchable by resident (name, ふりがな) or commissioner (name,
// login), by state, 50 at a time; or one resident's (#/assignments/ID, from 見守り対象者), where a
// commissioner of the resident's district is added. Each open assignment can be ended on a day: from
// the day after, the commissioner no longer reaches the resident (their tablet drops the records).
// The administrator adds and ends them; city staff read the same lists, without 担当を終える and
// 担当を追加する (the server refuses them every change).
import { Fragment, useCallback, useEffect, useMemo, useState } from "react"
import { adminApi, ApiError, messageOf, type AdminResidentOut, type AdminUserOut, type AssignmentOut, type DistrictOut, type Role } from "../../api"
import { ErrorLine, Field } from "../../ui"
import { ASSIGNMENT_WORDS, assignmentState, makesChanges, matches, pageOf, todayJst, type AssignmentState } from "./lists"
import { Pager, ReadOnly, RowPanel } from "./Pager"

type Which = "open" | "ended" | "all"

export function Assignments({ role, residentId }: { role: Role; residentId?: string }) {
  const admin = makesChanges(role)
  const columns = admin ? 7 : 6
  const [assignments, setAssignments] = useState<AssignmentOut[]>()
  const [residents, setResidents] = useState<AdminResidentOut[]>([])
  const [users, setUsers] = useState<AdminUserOut[]>([])
  const [districts, setDistricts] = useState<DistrictOut[]>([])
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<string>()
  const [query, setQuery] = useState("")
  const [which, setWhich] = useState<Which>(residentId ? "all" : "open")
  const [page, setPage] = useState(0)
  const [ending, setEnding] = useState<string>()
  const [busy, setBusy] = useState(false)
  const today = todayJst()

  const reload = useCallback(() => adminApi.assignments().then(setAssignments, e => setError(messageOf(e))), [])
  useEffect(() => {
    const fail = (e: unknown) => setError(messageOf(e))
    void reload()
    adminApi.residents().then(setResidents, fail)
    adminApi.users().then(setUsers, fail)
    adminApi.districts().then(setDistricts, fail)
  }, [reload])

  const residentById = useMemo(() => new Map(residents.map(r => [r.id, r])), [residents])
  const userById = useMemo(() => new Map(users.map(u => [u.id, u])), [users])
  const districtName = useMemo(() => new Map(districts.map(d => [d.id, d.name])), [districts])
  const resident = residentId ? residentById.get(residentId) : undefined

  const wanted = (s: AssignmentState) => which === "all" || (which === "ended") === (s === "ended")
  const shown = (assignments ?? [])
    .filter(a => (residentId ? a.resident_id === residentId : true))
    .filter(a => wanted(assignmentState(a, today)))
    .filter(a => {
      const r = residentById.get(a.resident_id)
      const c = userById.get(a.commissioner_id)
      return matches(query, r?.name, r?.kana, c?.display_name, c?.login)
    })
    .sort((a, b) => (b.starts_on === a.starts_on ? a.id.localeCompare(b.id) : b.starts_on.localeCompare(a.starts_on)))
  const p = pageOf(shown, page)
  const filter = <T,>(set: (v: T) => void) => (v: T) => {
    set(v)
    setPage(0)
  }

  async function end(a: AssignmentOut, on: string) {
    setBusy(true)
    setError(undefined)
    try {
      await adminApi.endAssignment(a.id, on)
      setEnding(undefined)
      setDone(`担当を${on}までとしました。`)
      await reload()
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="staff-list assignments">
      <h1>{residentId ? `担当：${resident ? `${resident.name}さん` : "対象者"}` : "担当"}</h1>
      {residentId && (
        <p>
          <a className="text-link" href="#/residents">
            見守り対象者の一覧へ戻る
          </a>
          {resident && `（${districtName.get(resident.district_id) ?? ""}・${resident.kana}）`}
        </p>
      )}
      {!admin && <ReadOnly changes="担当の追加・終了" />}
      <div className="filters">
        {!residentId && (
          <Field label="対象者・民生委員の名前で探す">
            <input type="search" name="q" value={query} onChange={e => filter(setQuery)(e.target.value)} />
          </Field>
        )}
        <Field label="表示する担当">
          <select name="which" value={which} onChange={e => filter(setWhich)(e.target.value as Which)}>
            <option value="open">担当中とこれから</option>
            <option value="ended">終了したもの</option>
            <option value="all">すべて</option>
          </select>
        </Field>
      </div>
      <ErrorLine text={error} />
      {done && (
        <p className="saved" role="status" data-testid="assignments-done">
          {done}
        </p>
      )}
      {!assignments ? (
        <p className="hint">読み込み中…</p>
      ) : (
        <>
          <p data-testid="count">{shown.length}件</p>
          <table className="data list-table" data-testid="assignments">
            <thead>
              <tr>
                <th>対象者</th>
                <th>地区</th>
                <th>民生委員</th>
                <th>開始日</th>
                <th>終了日（最後の日）</th>
                <th>状態</th>
                {admin && <th>操作</th>}
              </tr>
            </thead>
            <tbody>
              {p.rows.map(a => {
                const r = residentById.get(a.resident_id)
                const c = userById.get(a.commissioner_id)
                const state = assignmentState(a, today)
                return (
                  <Fragment key={a.id}>
                    <tr data-testid="assignment" data-id={a.id} data-resident={a.resident_id} data-state={state}>
                      <td>
                        {residentId ? (
                          (r?.name ?? a.resident_id)
                        ) : (
                          <a className="text-link" href={`#/assignments/${encodeURIComponent(a.resident_id)}`}>
                            {r?.name ?? a.resident_id}
                          </a>
                        )}
                      </td>
                      <td>{r ? (districtName.get(r.district_id) ?? r.district_id) : "—"}</td>
                      <td>{c ? `${c.display_name}（${c.login}）` : a.commissioner_id}</td>
                      <td>{a.starts_on}</td>
                      <td>{a.ends_on ?? "—"}</td>
                      <td>{ASSIGNMENT_WORDS[state]}</td>
                      {admin && (
                        <td className="row-actions">
                          {state !== "ended" && (
                            <button type="button" disabled={busy} onClick={() => setEnding(a.id)}>
                              担当を終える
                            </button>
                          )}
                        </td>
                      )}
                    </tr>
                    {admin && ending === a.id && (
                      <RowPanel colSpan={columns} title={`${r?.name ?? ""}さんの担当（${c?.display_name ?? ""}）を終える`} testid="end-panel">
                        <EndForm
                          a={a}
                          today={today}
                          busy={busy}
                          commissioner={c?.display_name ?? ""}
                          yes={on => void end(a, on)}
                          no={() => setEnding(undefined)}
                        />
                      </RowPanel>
                    )}
                  </Fragment>
                )
              })}
            </tbody>
          </table>
          <Pager p={p} onPage={setPage} unit="件" />
        </>
      )}
      {admin && residentId && resident && (
        <AddForm
          resident={resident}
          commissioners={users.filter(u => u.role === "commissioner" && !u.disabled && u.district_id === resident.district_id)}
          today={today}
          added={async () => {
            setDone("担当を追加しました。")
            await reload()
          }}
        />
      )}
    </section>
  )
}

function EndForm({
  a,
  today,
  busy,
  commissioner,
  yes,
  no,
}: {
  a: AssignmentOut
  today: string
  busy: boolean
  commissioner: string
  yes: (on: string) => void
  no: () => void
}) {
  const [on, setOn] = useState(a.starts_on > today ? a.starts_on : today)
  return (
    <>
      <Field label="最後の日">
        <input type="date" name="ends_on" value={on} min={a.starts_on} onChange={e => setOn(e.target.value)} />
      </Field>
      <p>
        その翌日から、{commissioner}さんはこの方の記録を見られなくなり、タブレットからも消えます。記録そのものは残ります。よろしいですか。
      </p>
      <div className="actions">
        <button type="button" className="danger" disabled={busy || !on} onClick={() => yes(on)}>
          担当を終える
        </button>
        <button type="button" disabled={busy} onClick={no}>
          やめる
        </button>
      </div>
    </>
  )
}

function AddForm({
  resident,
  commissioners,
  today,
  added,
}: {
  resident: AdminResidentOut
  commissioners: AdminUserOut[]
  today: string
  added: () => Promise<void>
}) {
  const [commissioner, setCommissioner] = useState("")
  const [from, setFrom] = useState(today)
  const [until, setUntil] = useState("")
  const [error, setError] = useState<{ field?: string; message: string }>()
  const [busy, setBusy] = useState(false)
  async function submit() {
    if (!commissioner) return setError({ field: "commissioner_id", message: "民生委員を選んでください。" })
    setBusy(true)
    setError(undefined)
    try {
      await adminApi.assign({ resident_id: resident.id, commissioner_id: commissioner, starts_on: from, ...(until ? { ends_on: until } : {}) })
      setCommissioner("")
      setUntil("")
      await added()
    } catch (e) {
      setError({ field: e instanceof ApiError ? e.field : undefined, message: messageOf(e) })
    } finally {
      setBusy(false)
    }
  }
  const err = (f: string) => (error?.field === f ? error.message : undefined)
  return (
    <div className="add-assignment" data-testid="add-assignment">
      <h2>担当を追加する</h2>
      <p className="hint">同じ地区の民生委員から選びます。開始日から、その方のタブレットにこの方のこれまでの記録が届きます。</p>
      <Field label="民生委員" error={err("commissioner_id")}>
        <select name="commissioner" value={commissioner} onChange={e => setCommissioner(e.target.value)}>
          <option value="">選んでください</option>
          {commissioners.map(c => (
            <option key={c.id} value={c.id}>
              {c.display_name}（{c.login}）
            </option>
          ))}
        </select>
      </Field>
      <div className="filters">
        <Field label="開始日" error={err("starts_on")}>
          <input type="date" name="starts_on" value={from} onChange={e => setFrom(e.target.value)} />
        </Field>
        <Field label="終了日（決まっていれば）" error={err("ends_on")}>
          <input type="date" name="ends_on" value={until} min={from} onChange={e => setUntil(e.target.value)} />
        </Field>
      </div>
      {error && !["commissioner_id", "starts_on", "ends_on"].includes(error.field ?? "") && <ErrorLine text={error.message} />}
      <div className="actions">
        <button type="button" className="primary" disabled={busy} onClick={() => void submit()}>
          担当を追加する
        </button>
      </div>
    </div>
  )
}
