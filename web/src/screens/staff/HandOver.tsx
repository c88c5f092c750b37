// 改選・引き継ぎ: at the change of term (一斉改選) or mid-term, each outgoing commissioner's residents
// go to a successor from a given day, for a whole district in one step. The outgoing tablets drop
// them; the successors' receive each resident with the whole history and the 引き継ぎメモ. 「担当なし」
// ends the assignments only: the district lead covers those residents until a successor is named.
// 「分けて引き継ぐ」 splits one commissioner's residents among several successors, resident by resident.
// The administrator.
import { Fragment, useEffect, useState } from "react"
import { adminApi, api, messageOf, type AssignmentOut, type HandOverResult, type UserOut } from "../../api"
import { dayJst, nowJst } from "../../schema"
import { ErrorLine, Field } from "../../ui"
import { KEEP, NOBODY, SPLIT, covers, handOverMoves } from "./lists"

export function HandOver() {
  const [districts, setDistricts] = useState<{ id: string; code: string; name: string }[]>([])
  const [users, setUsers] = useState<UserOut[]>([])
  const [district, setDistrict] = useState("")
  const [on, setOn] = useState(dayJst(nowJst()))
  const [choice, setChoice] = useState<Record<string, string>>({})
  /** Per commissioner split: each resident's successor. */
  const [each, setEach] = useState<Record<string, Record<string, string>>>({})
  const [assignments, setAssignments] = useState<AssignmentOut[]>([])
  const [names, setNames] = useState<Map<string, string>>(new Map())
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<HandOverResult>()
  useEffect(() => {
    api.districts().then(setDistricts, e => setError(messageOf(e)))
    api.users().then(setUsers, e => setError(messageOf(e)))
    adminApi.assignments().then(setAssignments, e => setError(messageOf(e)))
    adminApi.residents().then(rs => setNames(new Map(rs.map(r => [r.id, r.name]))), e => setError(messageOf(e)))
  }, [])
  /** The residents a commissioner watches on the day of the hand-over. */
  const caseload = (id: string) => assignments.filter(a => a.commissioner_id === id && covers(a, on)).map(a => a.resident_id)
  const commissioners = users.filter(u => u.role === "commissioner" && !u.disabled && u.district_id === district)
  const moves = handOverMoves(
    Object.fromEntries(Object.entries(choice).filter(([from]) => commissioners.some(c => c.id === from))),
    each,
  )

  async function submit() {
    if (moves.length === 0) return setError("引き継ぐ方を選んでください。")
    const people = new Set(moves.map(m => m.from)).size
    if (!window.confirm(`${on}から${people}人の担当を引き継ぎます。よろしいですか。`)) return
    setError(undefined)
    try {
      setDone(await api.handOver(on, moves))
      setChoice({})
      setEach({})
      setAssignments(await adminApi.assignments())
    } catch (e) {
      setError(messageOf(e))
    }
  }

  return (
    <section className="handover-screen">
      <h1>改選・引き継ぎ</h1>
      <p className="hint">
        退任する民生委員の担当を、後任の方へまとめて移します。前任のタブレットからは消え、後任のタブレットにはこれまでの記録と引き継ぎメモが届きます。
      </p>
      <Field label="引き継ぐ日（後任の方の初日）">
        <input type="date" name="on" value={on} onChange={e => setOn(e.target.value)} />
      </Field>
      <Field label="地区">
        <select name="district" value={district} onChange={e => setDistrict(e.target.value)}>
          <option value="">選んでください</option>
          {districts.map(d => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </Field>
      {district && (
        <table className="data handover-table" data-testid="handover-table">
          <thead>
            <tr>
              <th>民生委員</th>
              <th>担当の行き先</th>
            </tr>
          </thead>
          <tbody>
            {commissioners.map(c => {
              const others = commissioners.filter(o => o.id !== c.id)
              const targets = (
                <>
                  {others.map(o => (
                    <option key={o.id} value={o.id}>
                      {o.display_name}へ
                    </option>
                  ))}
                  <option value={NOBODY}>担当なし（リーダーが受け持つ）</option>
                </>
              )
              return (
                <Fragment key={c.id}>
                  <tr>
                    <td>
                      {c.display_name}（{caseload(c.id).length}人）
                    </td>
                    <td>
                      <select
                        aria-label={`${c.display_name}の担当の行き先`}
                        value={choice[c.id] ?? KEEP}
                        onChange={e => setChoice({ ...choice, [c.id]: e.target.value })}
                      >
                        <option value={KEEP}>そのまま</option>
                        {targets}
                        <option value={SPLIT}>分けて引き継ぐ（一人ずつ選ぶ）</option>
                      </select>
                    </td>
                  </tr>
                  {choice[c.id] === SPLIT &&
                    caseload(c.id).map(rid => (
                      <tr key={`${c.id}-${rid}`} className="split-row" data-testid="split-row">
                        <td className="indent">└ {names.get(rid) ?? rid}</td>
                        <td>
                          <select
                            aria-label={`${names.get(rid) ?? rid}さんの行き先`}
                            value={each[c.id]?.[rid] ?? KEEP}
                            onChange={e => setEach({ ...each, [c.id]: { ...each[c.id], [rid]: e.target.value } })}
                          >
                            <option value={KEEP}>そのまま</option>
                            {targets}
                          </select>
                        </td>
                      </tr>
                    ))}
                </Fragment>
              )
            })}
          </tbody>
        </table>
      )}
      <ErrorLine text={error} />
      {done && (
        <p className="saved" role="status" data-testid="handover-done">
          引き継ぎました：担当の終了{done.ended}件、後任への割り当て{done.assigned}件
          {done.uncovered > 0 && `、担当なし${done.uncovered}件（リーダーが受け持ちます）`}。
        </p>
      )}
      <div className="actions">
        <button type="button" className="primary" disabled={moves.length === 0} onClick={() => void submit()}>
          引き継ぐ
        </button>
      </div>
    </section>
  )
}
