// 地区: the city's districts (code and name), with the counts the server already gives the office —
// residents watched and those without a commissioner today (the city's overview) — and the active
// commissioners and 地区の会長 of each (from the user list). City staff and the administrator (the
// routes admit no one else); the screen only reads.
import { useEffect, useMemo, useState } from "react"
import { adminApi, api, messageOf, type AdminUserOut, type DistrictOut, type DistrictOverview, type Role } from "../../api"
import { ErrorLine } from "../../ui"

export function Districts({ role }: { role: Role }) {
  const [districts, setDistricts] = useState<DistrictOut[]>()
  const [overview, setOverview] = useState<DistrictOverview[]>([])
  const [users, setUsers] = useState<AdminUserOut[]>()
  const [error, setError] = useState<string>()
  // The user list answers the office (city staff and the administrator) only.
  const office = role === "admin" || role === "city_staff"
  useEffect(() => {
    api.districts().then(setDistricts, e => setError(messageOf(e)))
    api.overview().then(o => setOverview(o.districts), e => setError(messageOf(e)))
    if (office) adminApi.users().then(setUsers, e => setError(messageOf(e)))
  }, [office])
  const counts = useMemo(() => new Map(overview.map(o => [o.district_id, o])), [overview])
  const people = (district: string, r: Role) =>
    users ? `${users.filter(u => u.district_id === district && u.role === r && !u.disabled).length}人` : "…"

  return (
    <section className="staff-list districts">
      <h1>地区</h1>
      <ErrorLine text={error} />
      {!districts ? (
        <p className="hint">読み込み中…</p>
      ) : (
        <>
          <p data-testid="count">{districts.length}地区</p>
          <table className="data list-table" data-testid="districts">
            <thead>
              <tr>
                <th>コード</th>
                <th>地区</th>
                <th>見守り対象者</th>
                <th>担当なし（今日）</th>
                {office && <th>民生委員（有効）</th>}
                {office && <th>地区の会長（有効）</th>}
              </tr>
            </thead>
            <tbody>
              {districts.map(d => {
                const c = counts.get(d.id)
                return (
                  <tr key={d.id} data-testid="district" data-code={d.code}>
                    <td className="code">{d.code}</td>
                    <td>{d.name}</td>
                    <td className="num" data-testid="district-residents">
                      {c ? `${c.residents}人` : "—"}
                    </td>
                    <td className={c?.unassigned ? "num warn" : "num"} data-testid="district-unassigned">
                      {c ? `${c.unassigned}人` : "—"}
                    </td>
                    {office && <td className="num">{people(d.id, "commissioner")}</td>}
                    {office && <td className="num">{people(d.id, "district_lead")}</td>}
                  </tr>
                )
              })}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}
