// Two small SVG charts for the lead's and city staff's screens: contacts per week (12 weeks) and
// open concerns (見守りの注意, the alerts, not yet closed) per district. Counts only; each chart also says in words
// what it shows (aria-label), and every bar carries its number, so nothing depends on colour.
import { useEffect, useState } from "react"
import { api, messageOf, type Charts as ChartData } from "../../api"
import { ErrorLine } from "../../ui"
import { monthDay } from "../../schema"

export function Charts() {
  const [data, setData] = useState<ChartData>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    api.charts().then(setData, e => setError(messageOf(e)))
  }, [])
  if (error) return <ErrorLine text={error} />
  if (!data) return null
  return (
    <div className="charts no-print">
      <WeekChart weeks={data.weeks} />
      <ConcernChart districts={data.districts} />
    </div>
  )
}

function WeekChart({ weeks }: { weeks: ChartData["weeks"] }) {
  const max = Math.max(1, ...weeks.map(w => w.contacts))
  const [w, h, top, bottom] = [640, 220, 24, 28]
  const slot = w / weeks.length
  const scale = (h - top - bottom) / max
  const words = weeks.map(x => `${monthDay(x.week_start)}の週 ${x.contacts}件`).join("、")
  return (
    <figure className="chart">
      <figcaption>週ごとの連絡件数（直近{weeks.length}週）</figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`週ごとの連絡件数: ${words}`} data-testid="chart-weeks">
        {weeks.map((x, i) => {
          const bh = x.contacts * scale
          const cx = i * slot + slot / 2
          return (
            <g key={x.week_start} data-week={x.week_start} data-count={x.contacts}>
              <rect x={i * slot + 6} y={h - bottom - bh} width={slot - 12} height={bh} className="bar" />
              <text x={cx} y={h - bottom - bh - 6} textAnchor="middle" className="value">
                {x.contacts}
              </text>
              <text x={cx} y={h - 8} textAnchor="middle" className="axis">
                {monthDay(x.week_start)}
              </text>
            </g>
          )
        })}
        <line x1={0} x2={w} y1={h - bottom} y2={h - bottom} className="base" />
      </svg>
    </figure>
  )
}

function ConcernChart({ districts }: { districts: ChartData["districts"] }) {
  const shown = districts.filter(d => d.open_concerns > 0).sort((a, b) => b.open_concerns - a.open_concerns)
  const none = districts.length - shown.length
  const max = Math.max(1, ...shown.map(d => d.open_concerns))
  const [w, row, label] = [640, 34, 170]
  const h = Math.max(1, shown.length) * row
  return (
    <figure className="chart">
      <figcaption>地区ごとの、対応がまだの見守りの注意</figcaption>
      {shown.length > 0 && (
        <svg
          viewBox={`0 0 ${w} ${h}`}
          role="img"
          aria-label={`対応がまだの見守りの注意: ${shown.map(d => `${d.district} ${d.open_concerns}件`).join("、")}`}
          data-testid="chart-concerns"
        >
          {shown.map((d, i) => {
            const bw = (d.open_concerns / max) * (w - label - 60)
            return (
              <g key={d.district} data-district={d.district} data-count={d.open_concerns}>
                <text x={label - 10} y={i * row + row / 2 + 7} textAnchor="end" className="axis">
                  {d.district}
                </text>
                <rect x={label} y={i * row + 5} width={bw} height={row - 10} className="bar concern" />
                <text x={label + bw + 8} y={i * row + row / 2 + 7} className="value">
                  {d.open_concerns}
                </text>
              </g>
            )
          })}
        </svg>
      )}
      <p className="hint">{shown.length === 0 ? "対応がまだの見守りの注意はありません。" : none > 0 ? `ほかの${none}地区は0件です。` : ""}</p>
    </figure>
  )
}
