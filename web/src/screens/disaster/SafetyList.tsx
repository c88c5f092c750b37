// 災害モード on the tablet (#/disaster/:id): first 「ご自身とご家族の安全を確認してください」 with the
// commissioner's own status (無事 / 支援が必要, or あとで), then their residents ordered by need —
// 支援が必要, 未記録, 不在・不明, 避難済み, 無事 — each a tap away from its 安否. Everything is saved
// on the tablet at once and sent when there is signal, like every record.
import { useState, useSyncExternalStore } from "react"
import type { Store } from "../../store"
import { bandWords, safetyWords } from "../../disaster"
import { disasterOrder, latestFor, latestSelf } from "../../safety"
import { formatJst, str } from "../../schema"

export function SafetyList({ store, id, saved }: { store: Store; id: string; saved?: boolean }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const [later, setLater] = useState(false)
  const disaster = s.me?.disasters?.find(d => d.id === id)
  const self = latestSelf(store.activityDoc(), id)
  if (!disaster) {
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
        const latest = latestFor(e.doc, id)
        return { e, kana: str(e.doc!.profile?.kana), status: latest?.status, at: latest?.at }
      }),
  )
  const unrecorded = rows.filter(r => !r.status).length
  return (
    <section className="safety-home">
      <h1>安否確認</h1>
      <p className="hint">{bandWords(disaster)}</p>
      {saved && (
        <p className="saved" role="status">
          保存しました。電波のある所で市に届きます。
        </p>
      )}
      {!self && !later ? (
        <div className="self-check" data-testid="self-check">
          <h2>ご自身とご家族の安全を確認してください</h2>
          <div className="big-choices">
            <button type="button" className="big safe" onClick={() => store.recordSelfSafety(id, "safe")}>
              無事
            </button>
            <button type="button" className="big needs-help" onClick={() => store.recordSelfSafety(id, "needs_help")}>
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
            <button type="button" className="link" onClick={() => store.recordSelfSafety(id, self.status === "safe" ? "needs_help" : "safe")}>
              {self.status === "safe" ? "支援が必要に変える" : "無事に変える"}
            </button>
          </p>
        )
      )}
      <h2>
        担当の方の安否（未記録{unrecorded}人）
      </h2>
      <ul className="residents safety-rows">
        {rows.map(({ e, status, at }) => (
          <li key={e.url} data-testid="safety-row" className={`resident safety ${status ?? "none"}`}>
            <a className="who" href={`#/disaster/${encodeURIComponent(id)}/r/${encodeURIComponent(e.residentId)}`}>
              <span className="name">{str(e.doc!.profile?.name)}</span>
              <span className="kana">{str(e.doc!.profile?.kana)}</span>
              <span className={`badge safety-${status ?? "none"}`}>{status ? safetyWords(status) : "未記録"}</span>
              {at && <span className="last">{formatJst(at)}</span>}
              {(e.pendingContacts.length > 0 || e.pendingEdit) && <span className="badge unsent">未送信</span>}
            </a>
          </li>
        ))}
      </ul>
    </section>
  )
}
