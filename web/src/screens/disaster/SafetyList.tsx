// 災害モード on the tablet (#/disaster/:id, or #/disaster/local when the commissioner starts it
// before any declaration reached the tablet — the network is the first thing to go): first
// 「ご自身とご家族の安全を確認してください」 with the commissioner's own status (無事 / 支援が必要, or
// あとで), then their residents ordered by need — 支援が必要, 未記録, 不在・不明, 避難済み, 無事, and
// within each by their 個別避難計画's needs (life-sustaining equipment first) — each a tap away from
// its 安否. Everything is saved on the tablet at once and sent when there is signal, like every record.
import { useState, useSyncExternalStore } from "react"
import type { Store } from "../../store"
import { bandWords, safetyWords } from "../../disaster"
import { LOCAL, countsSince, disasterOrder, latestFor, latestSelf, recordedDisasterId } from "../../safety"
import { formatJst, str } from "../../schema"
import { currentPlan, needRank, needWords } from "../../evacuation"

export function SafetyList({ store, id, saved }: { store: Store; id: string; saved?: boolean }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const [later, setLater] = useState(false)
  const local = id === LOCAL
  const disaster = s.me?.disasters?.find(d => d.id === id)
  const since = countsSince(id, disaster?.occurred_at)
  const self = latestSelf(store.activityDoc(), id, since)
  const recordSelf = (status: "safe" | "needs_help") => store.recordSelfSafety(recordedDisasterId(id), status)
  // Started here, and the city's declaration has come since: what was recorded counts for it.
  const declared = local ? s.me?.disasters?.[0] : undefined
  if (!disaster && !local) {
    return (
      <section>
        <h1>安否確認</h1>
        <p className="hint">この災害モードは終わりました。記録はそのまま残っています。</p>
        <a className="button" href="#/">
          いつもの画面へ
        </a>
      </section>
    )
  }
  const rows = disasterOrder(
    s.docs
      .filter(e => e.doc)
      .map(e => {
        const latest = latestFor(e.doc, id, since)
        const plan = currentPlan(e.doc)?.plan
        return { e, kana: str(e.doc!.profile?.kana), status: latest?.status, at: latest?.at, need: needRank(plan), needs: needWords(plan) }
      }),
  )
  const unrecorded = rows.filter(r => !r.status).length
  return (
    <section className="safety-home">
      <h1>安否確認</h1>
      {disaster && <p className="hint">{bandWords(disaster)}</p>}
      {local && !declared && (
        <p className="hint" data-testid="local-mode">
          市の災害モードはまだこのタブレットに届いていません。ここでの記録はこのタブレットに保存され、電波のある所で市に届きます。市が災害モードを始めると、その安否確認に入ります。
        </p>
      )}
      {declared && (
        <p className="saved" role="status" data-testid="local-declared">
          {bandWords(declared)}が始まりました。ここで記録した安否のうち、災害の起きた時刻の1時間前からのものはそちらに入ります。{" "}
          <a href={`#/disaster/${encodeURIComponent(declared.id)}`}>災害モードの安否確認へ</a>
        </p>
      )}
      {saved && (
        <p className="saved" role="status">
          保存しました。電波のある所で市に届きます。
        </p>
      )}
      {!self && !later ? (
        <div className="self-check" data-testid="self-check">
          <h2>ご自身とご家族の安全を確認してください</h2>
          <div className="big-choices">
            <button type="button" className="big safe" onClick={() => recordSelf("safe")}>
              無事
            </button>
            <button type="button" className="big needs-help" onClick={() => recordSelf("needs_help")}>
              支援が必要
            </button>
          </div>
          <button type="button" className="link" onClick={() => setLater(true)}>
            あとで
          </button>
        </div>
      ) : (
        self && (
          <p data-testid="self-status">
            ご自身：{self.status === "safe" ? "無事" : "支援が必要"}（{formatJst(self.at)}）
            <button type="button" className="link" onClick={() => recordSelf(self.status === "safe" ? "needs_help" : "safe")}>
              {self.status === "safe" ? "支援が必要に変える" : "無事に変える"}
            </button>
          </p>
        )
      )}
      <h2>
        担当の方の安否（未記録{unrecorded}人）
      </h2>
      <ul className="residents safety-rows">
        {rows.map(({ e, status, at, needs }) => (
          <li key={e.url} data-testid="safety-row" className={`resident safety ${status ?? "none"}`}>
            <a className="who" href={`#/disaster/${encodeURIComponent(id)}/r/${encodeURIComponent(e.residentId)}`}>
              <span className="name">{str(e.doc!.profile?.name)}</span>
              <span className="kana">{str(e.doc!.profile?.kana)}</span>
              <span className={`badge safety-${status ?? "none"}`}>{status ? safetyWords(status) : "未記録"}</span>
              {at && <span className="last">{formatJst(at)}</span>}
              {needs && (
                <span className="need" data-testid="plan-needs">
                  {needs}
                </span>
              )}
              {(e.pendingContacts.length > 0 || e.pendingEdit) && <span className="badge unsent">未送信</span>}
            </a>
          </li>
        ))}
      </ul>
    </section>
  )
}
