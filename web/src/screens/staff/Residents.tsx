// 見守り対象者: every resident of the city with district, the commissioner(s) who watch them today and
// their state; searchable by name or ふりがな, by district, and 「担当なし」: the residents nobody
// watches today (no assignment covers the day), to give each a commissioner. 50 at a time. Each row
// leads to its 担当 (assignments/:id), where the administrator adds or ends one; city staff read the
// same list, and each row's 担当 for reading only (the server refuses them every change).
import { useEffect, useMemo, useState } from "react"
import { adminApi, messageOf, type AdminResidentOut, type AdminUserOut, type AssignmentOut, type DistrictOut, type Role } from "../../api"
import { Choice, ErrorLine, Field } from "../../ui"
import { makesChanges, matches, normalize, pageOf, todayJst, watchersOn } from "./lists"
import { Pager, ReadOnly } from "./Pager"

export const RESIDENT_STATUS: Record<string, string> = {
  active: "見守り中",
  pending: "承認待ち",
  archived: "終了",
}

type Which = "all" | "unassigned"

export function Residents({ role }: { role: Role }) {
  const admin = makesChanges(role)
  const [residents, setResidents] = useState<AdminResidentOut[]>()
  const [assignments, setAssignments] = useState<AssignmentOut[]>([])
  const [users, setUsers] = useState<AdminUserOut[]>([])
  const [districts, setDistricts] = useState<DistrictOut[]>([])
  const [error, setError] = useState<string>()
  const [query, setQuery] = useState("")
  const [district, setDistrict] = useState("")
  const [which, setWhich] = useState<Which>("all")
  const [page, setPage] = useState(0)
  useEffect(() => {
    const fail = (e: unknown) => setError(messageOf(e))
    adminApi.residents().then(setResidents, fail)
    adminApi.assignments().then(setAssignments, fail)
    adminApi.users().then(setUsers, fail)
    adminApi.districts().then(setDistricts, fail)
  }, [])

  const today = todayJst()
  const watchers = useMemo(() => watchersOn(assignments, today), [assignments, today])
  const userName = useMemo(() => new Map(users.map(u => [u.id, u.display_name])), [users])
  const districtName = useMemo(() => new Map(districts.map(d => [d.id, d.name])), [districts])
  // In ふりがな order (あいうえお順), as a paper list would be.
  const all = useMemo(() => [...(residents ?? [])].sort((a, b) => normalize(a.kana).localeCompare(normalize(b.kana), "ja")), [residents])
  // 担当なし: a resident still watched (not archived) whom no assignment covers today.
  const unassigned = all.filter(r => r.status !== "archived" && !watchers.has(r.id))
  const shown = (which === "unassigned" ? unassigned : all).filter(
    r => matches(query, r.name, r.kana) && (district === "" || r.district_id === district),
  )
  const p = pageOf(shown, page)
  const filter = <T,>(set: (v: T) => void) => (v: T) => {
    set(v)
    setPage(0)
  }

  return (
    <section className="staff-list residents-list">
      <h1>見守り対象者</h1>
      {!admin && <ReadOnly changes="担当の追加・終了" />}
      <div className="filters">
        <Field label="氏名・ふりがなで探す">
          <input type="search" name="q" value={query} onChange={e => filter(setQuery)(e.target.value)} />
        </Field>
        <Field label="地区">
          <select name="district" value={district} onChange={e => filter(setDistrict)(e.target.value)}>
            <option value="">すべて</option>
            {districts.map(d => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Choice<Which>
        name="表示する方"
        options={[
          ["all", "すべて"],
          ["unassigned", `担当なし（${residents ? unassigned.length : "…"}人）`],
        ]}
        value={which}
        onChange={filter(setWhich)}
      />
      <ErrorLine text={error} />
      {!residents ? (
        <p className="hint">読み込み中…</p>
      ) : (
        <>
          <p data-testid="count">
            {which === "unassigned" ? `今日（${today}）担当の民生委員がいない方` : "全体"} {shown.length}人
          </p>
          <table className="data list-table" data-testid="residents">
            <thead>
              <tr>
                <th>氏名</th>
                <th>ふりがな</th>
                <th>地区</th>
                <th>担当の民生委員（今日）</th>
                <th>状態</th>
                <th>見守り間隔</th>
                <th>担当</th>
              </tr>
            </thead>
            <tbody>
              {p.rows.map(r => {
                const w = watchers.get(r.id) ?? []
                // The administrator decides a commissioner for one nobody watches; city staff look.
                const link = w.length || !admin ? "担当を見る" : "担当を決める"
                return (
                  <tr key={r.id} data-testid="resident" data-id={r.id}>
                    <td>{r.name}</td>
                    <td>{r.kana}</td>
                    <td>{districtName.get(r.district_id) ?? r.district_id}</td>
                    <td data-testid="watchers">
                      {w.length ? w.map(id => userName.get(id) ?? id).join("、") : <span className="stopped">担当なし</span>}
                    </td>
                    <td>{RESIDENT_STATUS[r.status] ?? r.status}</td>
                    <td className="num">{r.contact_interval_days}日</td>
                    <td>
                      <a className="button" href={`#/assignments/${encodeURIComponent(r.id)}`} aria-label={`${link}（${r.name}さん）`}>
                        {link}
                      </a>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
          <Pager p={p} onPage={setPage} unit="人" />
        </>
      )}
    </section>
  )
}
