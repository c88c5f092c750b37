// 活動記録 (the monthly national report, counted from the log by the server: domain/activity.rs) for
// the commissioner, the district lead (per commissioner) and city staff (per district, counts only),
// printable on one A4 page and downloadable as CSV; and the lead's list of overdue residents.
import { useEffect, useState } from "react"
import { ErrorLine } from "./ui"
import { api, messageOf, type ActivityReport, type OverdueOut } from "./api"
import { CONTENTS, FIELDS, OTHER_ACTIVITIES, monthDay, nowJst } from "./schema"


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

export function Overdue() {
  const [list, setList] = useState<OverdueOut[]>()
  const [snow, setSnow] = useState<string[]>([])
  const [error, setError] = useState<string>()
  const load = () => {
    api.overdue().then(setList, e => setError(messageOf(e)))
    api.snowfallDays().then(setSnow, e => setError(messageOf(e)))
  }
  useEffect(load, [])
  const byCommissioner = new Map<string, OverdueOut[]>()
  for (const o of list ?? []) byCommissioner.set(o.commissioner, [...(byCommissioner.get(o.commissioner) ?? []), o])
  return (
    <section>
      <h1>連絡が予定よりおくれている方</h1>
      <ErrorLine text={error} />
      <Snowfall days={snow} mark={day => api.markSnowfall(day).then(load)} />
      {list && list.length === 0 && <p className="hint">おくれている方はいません。</p>}
      {[...byCommissioner].map(([commissioner, items]) => (
        <div key={commissioner} className="group" data-testid="overdue-group">
          <h2>{commissioner}</h2>
          <ul>
            {items.map(o => (
              <li key={o.resident_id}>
                <strong>{o.resident_name}</strong>{" "}
                {o.not_seen_since_snowfall && (
                  <span className="badge warn" data-testid="after-snow">
                    降雪（{monthDay(o.not_seen_since_snowfall)}）のあと未確認
                  </span>
                )}{" "}
                {o.days_overdue === null
                  ? "まだ一度も連絡がありません"
                  : o.days_overdue > 0
                    ? `予定より${o.days_overdue}日おくれ（前回 ${o.last_contact_on}）`
                    : `前回 ${o.last_contact_on}`}
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  )
}

/**
 * 降雪日: the lead (for the district) or city staff (for every district) mark a day of snow; the
 * 除雪 rule and the overdue list's order after a snowfall use it.
 */
export function Snowfall({ days, mark, scope = "地区" }: { days?: string[]; mark: (day: string) => Promise<unknown>; scope?: string }) {
  const today = nowJst().slice(0, 10)
  const [day, setDay] = useState(today)
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<string>()
  return (
    <form
      className="group snowfall no-print"
      data-testid="snowfall"
      onSubmit={e => {
        e.preventDefault()
        setError(undefined)
        setDone(undefined)
        mark(day).then(
          () => setDone(`${monthDay(day)} を降雪日として記録しました（${scope}）。`),
          err => setError(messageOf(err)),
        )
      }}
    >
      <h2>降雪日</h2>
      {days && <p className="hint">{days.length ? `最近の降雪日: ${days.map(monthDay).join("、")}` : "最近30日の降雪日の記録はありません。"}</p>}
      <label className="field">
        <span className="label">降った日</span>
        <input name="snow-day" type="date" value={day} max={today} onChange={e => setDay(e.target.value)} />
      </label>
      <ErrorLine text={error} />
      {done && <p role="status">{done}</p>}
      <button type="submit">降雪日として記録（{scope}）</button>
    </form>
  )
}
