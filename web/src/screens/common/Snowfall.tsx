// 降雪日: the form that marks a day of snow, on the lead's overdue list (lead/Overdue.tsx) and the
// office home (staff/StaffHome.tsx).
import { useState } from "react"
import { ErrorLine } from "../../ui"
import { messageOf } from "../../api"
import { monthDay, nowJst } from "../../schema"

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
