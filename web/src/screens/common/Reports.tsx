// 活動記録 (the monthly national report, counted from the log by the server: domain/activity.rs) for
// the commissioner, the district lead (per commissioner) and city staff (per district, counts only),
// printable on one A4 page and downloadable as CSV, with how each count is made said in words.
import { useEffect, useState } from "react"
import { ErrorLine } from "../../ui"
import { api, messageOf, type ActivityReport } from "../../api"
import { CONTENTS, FIELDS, OTHER_ACTIVITIES, nowJst } from "../../schema"

function thisMonth() {
  return nowJst().slice(0, 7)
}

export function Reports() {
  const [month, setMonth] = useState(thisMonth())
  const [report, setReport] = useState<ActivityReport>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    api
      .activity(month)
      .then(r => {
        setReport(r)
        setError(undefined)
      })
      .catch(e => setError(messageOf(e)))
  }, [month])
  const columns: [string, (t: ActivityReport["total"]) => number][] = [
    ["相談・支援件数", t => t.consultations],
    ...FIELDS.map(f => [`分野: ${f}`, (t: ActivityReport["total"]) => t.by_field[f] ?? 0] as [string, (t: ActivityReport["total"]) => number]),
    ...CONTENTS.map(c => [`内容: ${c}`, (t: ActivityReport["total"]) => t.by_content[c] ?? 0] as [string, (t: ActivityReport["total"]) => number]),
    ...OTHER_ACTIVITIES.map(o => [`その他: ${o}`, (t: ActivityReport["total"]) => t.other_activities[o] ?? 0] as [string, (t: ActivityReport["total"]) => number]),
    ["訪問回数", t => t.visits],
    ["連絡調整回数", t => t.liaison],
    ["活動日数", t => t.active_days],
  ]
  const rows = report?.rows ?? []
  return (
    <section className="report">
      <h1>活動記録 {report?.month}</h1>
      <div className="no-print actions">
        <label className="field">
          <span className="label">月</span>
          <input name="month" type="month" value={month} onChange={e => e.target.value && setMonth(e.target.value)} />
        </label>
        <button type="button" onClick={() => window.print()}>
          印刷する（A4）
        </button>
        <a className="button" href={`/api/reports/activity.csv?month=${month}`} download data-testid="csv">
          CSVで保存（Excel用）
        </a>
      </div>
      <p className="count-rule no-print" data-testid="count-rule">
        数え方：相談・支援件数は、記録で「相談・支援をした」を選んで分野を入れたものだけを数えます（あいさつや間接確認だけの記録は数えません）。訪問回数は訪問の記録を数えます。連絡調整回数は、わたしの活動の「関係機関との連絡調整」と、つなぎ（関係機関への紹介）を数えます。つなぎは1件につき1回、つないだ日に数えます。
      </p>
      <ErrorLine text={error} />
      {report && (
        <table className="activity" data-testid="activity">
          <thead>
            <tr>
              <th>項目</th>
              {rows.map((r, i) => (
                <th key={i}>{r.commissioner || r.district}</th>
              ))}
              {rows.length > 1 && <th>合計</th>}
            </tr>
          </thead>
          <tbody>
            {columns.map(([name, get]) => (
              <tr key={name}>
                <th>{name}</th>
                {rows.map((r, i) => (
                  <td key={i}>{get(r.totals)}</td>
                ))}
                {rows.length > 1 && <td>{get(report.total)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
