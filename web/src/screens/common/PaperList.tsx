// 紙の一覧 (#/evacuation/:district): for when tablets are dead or lost, an A4 list of the district's
// residents who need help to evacuate, with what their 個別避難計画 says and empty columns to tick
// 安否 by hand. Read from the server when opened (never stored on this device: it lives only on the
// printed page); every print is recorded. The district's lead; city staff during a disaster.
import { useEffect, useState } from "react"
import { api, messageOf, type PaperList as List } from "../../api"
import { CONSENTS, DESTINATIONS, NEEDS, RELATIONS, label } from "../../evacuation"
import { jstWords } from "../../disaster"
import { ErrorLine } from "../../ui"

type PlanJson = {
  consent?: string
  needs?: string[]
  helpers?: { name?: string; relation?: string; phone?: string }[]
  destination?: { kind?: string; name?: string }
  howToReach?: string
}

export function PaperList({ district }: { district: string }) {
  const [list, setList] = useState<List>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    api.paperList(district).then(setList, e => setError(messageOf(e)))
  }, [district])
  if (!list) return <ErrorLine text={error} />
  return (
    <section className="paper-list">
      <div className="no-print">
        <p className="hint">
          {list.during_disaster
            ? "災害モードのあいだは、計画が必要な方を全員のせています（同意のない方を含みます）。"
            : "同意のある計画の方だけをのせています。"}
          この一覧はこの端末には残りません。印刷したら、紙は大切に扱ってください。
        </p>
        <button type="button" className="primary" onClick={() => window.print()}>
          印刷する
        </button>
      </div>
      <h1>
        避難に支援が必要な方の一覧：{list.district_name}（{list.residents.length}人）
      </h1>
      <p className="printed-at">{jstWords(list.at)} 作成</p>
      <table className="data paper" data-testid="paper-list">
        <thead>
          <tr>
            <th>氏名・住所・電話</th>
            <th>必要な支援</th>
            <th>助ける人</th>
            <th>避難先・行き方</th>
            <th>担当</th>
            <th>安否（□無事 □避難済み □支援が必要 □不在・不明）・時刻・確認者</th>
          </tr>
        </thead>
        <tbody>
          {list.residents.map(r => {
            const p = (r.plan ?? undefined) as PlanJson | undefined
            return (
              <tr key={r.resident_id}>
                <td>
                  <strong>{r.name}</strong>（{r.kana}）
                  <br />
                  {r.address}
                  <br />
                  {r.phone}
                </td>
                <td>
                  {p ? (p.needs ?? []).map(n => label(NEEDS, n)).join("、") || "—" : "計画なし"}
                  {p && <div className="consent">同意：{label(CONSENTS, p.consent ?? "unknown")}</div>}
                </td>
                <td>
                  {(p?.helpers ?? []).map((h, i) => (
                    <div key={i}>
                      {h.name}（{label(RELATIONS, h.relation ?? "")}）{h.phone}
                    </div>
                  ))}
                </td>
                <td>
                  {p?.destination && `${label(DESTINATIONS, p.destination.kind ?? "")} ${p.destination.name ?? ""}`}
                  {p?.howToReach && <div>{p.howToReach}</div>}
                </td>
                <td>{r.commissioners.join("、")}</td>
                <td className="tick">□無事 □避難済み □支援が必要 □不在・不明</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </section>
  )
}
