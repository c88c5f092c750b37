// 地区ごとの状況: the city's overview for 福祉保険課 — per district, residents watched, those not
// contacted within their interval, those without a commissioner, open alerts, the つなぎ (referrals)
// made this fiscal year and how many still wait for their outcome; and the tablets not seen for a
// week. Counts only (no names), as the server gives them.
import { useEffect, useState } from "react"
import { api, messageOf, type DistrictOverview } from "../../api"
import { ErrorLine } from "../../ui"

export function Overview() {
  const [rows, setRows] = useState<DistrictOverview[]>()
  const [stale, setStale] = useState(0)
  const [target, setTarget] = useState(0)
  const [error, setError] = useState<string>()
  useEffect(() => {
    api.overview().then(
      o => {
        setRows(o.districts)
        setStale(o.tablets_not_seen_7_days)
        setTarget(o.plan_target)
      },
      e => setError(messageOf(e)),
    )
  }, [])
  if (error) return <ErrorLine text={error} />
  if (!rows) return <p className="hint">読み込み中…</p>
  const sum = (k: keyof DistrictOverview) => rows.reduce((n, r) => n + Number(r[k]), 0)
  const plans = (k: keyof DistrictOverview["plans"]) => rows.reduce((n, r) => n + r.plans[k], 0)
  return (
    <section className="overview">
      <h2>地区ごとの状況</h2>
      <table className="data overview-table" data-testid="overview">
        <thead>
          <tr>
            <th>地区</th>
            <th>見守り対象</th>
            <th>連絡がおくれている</th>
            <th>担当なし</th>
            <th>対応中の注意</th>
            <th>つなぎ（今年度）</th>
            <th>うち結果待ち</th>
            <th>緊急のお知らせ 未読</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(r => (
            <tr key={r.district_id}>
              <td>{r.name}</td>
              <td className="num">{r.residents}人</td>
              <td className={r.overdue ? "num warn" : "num"}>{r.overdue}人</td>
              <td className={r.unassigned ? "num warn" : "num"}>{r.unassigned}人</td>
              <td className={r.open_alerts ? "num warn" : "num"}>{r.open_alerts}件</td>
              <td className="num">{r.referrals}件</td>
              <td className="num">{r.referrals_open}件</td>
              <td className={r.urgent_unread ? "num warn" : "num"}>{r.urgent_unread}人</td>
            </tr>
          ))}
          <tr className="total">
            <td>市全体</td>
            <td className="num">{sum("residents")}人</td>
            <td className="num">{sum("overdue")}人</td>
            <td className="num">{sum("unassigned")}人</td>
            <td className="num">{sum("open_alerts")}件</td>
            <td className="num">{sum("referrals")}件</td>
            <td className="num">{sum("referrals_open")}件</td>
            <td className="num">{sum("urgent_unread")}人</td>
          </tr>
        </tbody>
      </table>
      <p className={stale ? "hint warn" : "hint"}>1週間以上つながっていないタブレット：{stale}台</p>
      <h2>個別避難計画</h2>
      <p className="plan-target" data-testid="plan-target">
        同意のある計画：市全体で{plans("plans")}件 / 目標{target}件（地域福祉計画、令和11年度）
      </p>
      <table className="data overview-table" data-testid="plans-overview">
        <thead>
          <tr>
            <th>地区</th>
            <th>計画が必要な方</th>
            <th>同意のある計画</th>
            <th>1年以内に確認</th>
            <th>不同意</th>
            <th>同意未確認</th>
            <th>計画のない方</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(r => (
            <tr key={r.district_id}>
              <td>{r.name}</td>
              <td className="num">{r.plans.needed}人</td>
              <td className="num">{r.plans.plans}件</td>
              <td className="num">{r.plans.confirmed_within_year}件</td>
              <td className="num">{r.plans.declined}人</td>
              <td className="num">{r.plans.unknown_consent}人</td>
              <td className={r.plans.missing ? "num warn" : "num"}>{r.plans.missing}人</td>
            </tr>
          ))}
          <tr className="total">
            <td>市全体</td>
            <td className="num">{plans("needed")}人</td>
            <td className="num">{plans("plans")}件</td>
            <td className="num">{plans("confirmed_within_year")}件</td>
            <td className="num">{plans("declined")}人</td>
            <td className="num">{plans("unknown_consent")}人</td>
            <td className="num">{plans("missing")}人</td>
          </tr>
        </tbody>
      </table>
    </section>
  )
}
