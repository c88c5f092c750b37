// 名簿の取り込み: the city's roster of watched residents (要援護者名簿) as a CSV file, as Excel saves
// it (UTF-8 or Shift_JIS). First the preview — who would be added, whose details change, the rows in
// error by line and column, who is no longer on the file — and only then, when no row is in error,
// 取り込む. Nothing is written before that button. City staff and the administrator.
import { useState } from "react"
import { api, messageOf, type RosterPlan } from "../../api"

const FIELD_WORDS: Record<string, string> = {
  name: "氏名",
  kana: "ふりがな",
  address: "住所",
  contact_interval_days: "見守り間隔",
}

export function Roster() {
  const [file, setFile] = useState<File>()
  const [plan, setPlan] = useState<RosterPlan>()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()

  async function send(confirm: boolean) {
    if (!file) return
    setBusy(true)
    setError(undefined)
    try {
      setPlan(await api.uploadRoster(file, confirm))
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="roster">
      <h1>名簿の取り込み</h1>
      <p className="hint">
        見守り対象者の名簿（CSV。Excel の「CSV」でも「CSV UTF-8」でも）を選んでください。1行目は見出しで、「番号」「氏名」「ふりがな」「住所」「地区」の列が要ります（「見守り間隔」は任意）。
        同じ番号の方は新しく作らず、変わった所だけを直します。まず内容を確かめ、それから取り込みます。
      </p>
      <label className="field">
        <span className="label">名簿のファイル</span>
        <input
          type="file"
          name="roster"
          accept=".csv,text/csv"
          onChange={e => {
            setFile(e.target.files?.[0])
            setPlan(undefined)
          }}
        />
      </label>
      <div className="actions">
        <button type="button" className="primary" disabled={!file || busy} onClick={() => void send(false)}>
          内容を確かめる
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {plan && <PlanView plan={plan} busy={busy} confirm={() => void send(true)} />}
    </section>
  )
}

function PlanView({ plan, busy, confirm }: { plan: RosterPlan; busy: boolean; confirm: () => void }) {
  if (plan.applied) {
    return (
      <div className="saved" role="status" data-testid="roster-done">
        取り込みました：新しく{plan.add.length}人、変更{plan.change.length}人、変わりなし{plan.unchanged}人。
        {plan.not_in_file.length > 0 && `名簿にない方が${plan.not_in_file.length}人います（削除はしていません）。`}
      </div>
    )
  }
  return (
    <div className="roster-plan" data-testid="roster-plan">
      <p data-testid="roster-summary">
        {plan.rows}行：新しく{plan.add.length}人、変更{plan.change.length}人、変わりなし{plan.unchanged}人、
        直す所{plan.problems.length}件。
      </p>
      {plan.problems.length > 0 && (
        <>
          <h2>直してください（取り込みはまだしていません）</h2>
          <table className="data problems" data-testid="roster-problems">
            <thead>
              <tr>
                <th>行</th>
                <th>列</th>
                <th>内容</th>
              </tr>
            </thead>
            <tbody>
              {plan.problems.map((p, i) => (
                <tr key={i}>
                  <td>{p.line > 0 ? `${p.line}行目` : "ファイル"}</td>
                  <td>{p.column}</td>
                  <td>{p.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {plan.add.length > 0 && (
        <>
          <h2>新しく登録する方</h2>
          <ul>
            {plan.add.map(a => (
              <li key={a.external_id}>
                {a.line}行目 {a.external_id} {a.name}（{a.district_code}）
              </li>
            ))}
          </ul>
        </>
      )}
      {plan.change.length > 0 && (
        <>
          <h2>登録内容が変わる方</h2>
          <ul>
            {plan.change.map(c => (
              <li key={c.external_id}>
                {c.line}行目 {c.external_id} {c.name}：{c.fields.map(f => FIELD_WORDS[f] ?? f).join("、")}
              </li>
            ))}
          </ul>
        </>
      )}
      {plan.not_in_file.length > 0 && (
        <>
          <h2>名簿にない方（削除はしません。担当の終了は別に行ってください）</h2>
          <ul data-testid="roster-missing">
            {plan.not_in_file.map(m => (
              <li key={m.resident_id}>
                {m.external_id} {m.name}
              </li>
            ))}
          </ul>
        </>
      )}
      {plan.unused_columns.length > 0 && <p className="hint">使わない列：{plan.unused_columns.join("、")}</p>}
      {plan.problems.length === 0 && (
        <div className="actions">
          <button type="button" className="primary" disabled={busy} onClick={confirm}>
            取り込む
          </button>
        </div>
      )}
    </div>
  )
}
