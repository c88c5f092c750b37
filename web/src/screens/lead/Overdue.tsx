// 連絡が予定よりおくれている方: the lead's list of overdue residents, by commissioner (those not
// seen since a snowfall marked), with the district's 降雪日 form.
import { useEffect, useState } from "react"
import { ErrorLine } from "../../ui"
import { api, messageOf, type OverdueOut } from "../../api"
import { monthDay } from "../../schema"
import { Snowfall } from "../common/Snowfall"

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
