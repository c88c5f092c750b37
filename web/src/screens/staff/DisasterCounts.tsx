// 災害モード, the office's counts of one disaster per district and for the city (counts only: no
// names), asked again every 5 seconds, with the CSV for the 災害対策本部.
import { useEffect, useState } from "react"
import { disasterApi, messageOf, type DisasterCounts as Counts } from "../../api"
import { COUNT_COLUMNS, jstWords } from "../../disaster"
import { ErrorLine } from "../../ui"

const REFRESH_MS = 5_000

export function DisasterCounts({ id }: { id: string }) {
  const [c, setC] = useState<Counts>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    const load = () => disasterApi.counts(id).then(setC, e => setError(messageOf(e)))
    void load()
    const t = setInterval(() => void load(), REFRESH_MS)
    return () => clearInterval(t)
  }, [id])
  if (!c) return <ErrorLine text={error} />
  return (
    <div className="disaster-counts" data-testid="disaster-counts">
      <ErrorLine text={error} />
      <table className="data">
        <thead>
          <tr>
            <th>地区</th>
            {COUNT_COLUMNS.map(([, label]) => (
              <th key={label}>{label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {c.districts.map(d => (
            <tr key={d.district_id}>
              <td>{d.district_name}</td>
              {COUNT_COLUMNS.map(([k]) => (
                <td key={k}>{d[k]}</td>
              ))}
            </tr>
          ))}
          <tr className="total">
            <td>合計</td>
            {COUNT_COLUMNS.map(([k]) => (
              <td key={k}>{c.total[k]}</td>
            ))}
          </tr>
        </tbody>
      </table>
      <p className="hint">
        {jstWords(c.at)}現在。<a href={disasterApi.countsCsvUrl(id)}>CSVで受け取る（災害対策本部用）</a>
      </p>
    </div>
  )
}
