// 記録を消しました: what the tablet says after it erased its records (too many wrong PINs, revoked by
// the city, or offline too long), until its user logs in again.
import { useSyncExternalStore } from "react"
import type { Store } from "../../store"
import { deviceWord } from "../../ui"

export function Erased({ why, store }: { why: "erased" | "revoked" | "expired"; store: Store }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const device = deviceWord(s.me)
  const text = {
    erased: `暗証番号を10回まちがえたため、この${device}の記録を消しました。`,
    revoked: `この${device}は市によって利用停止になったため、記録を消しました。`,
    expired: `長い間、市役所につながらなかったため、この${device}の記録を消しました。`,
  }[why]
  return (
    <section>
      <h1 data-testid="erased">記録を消しました</h1>
      <p>{text}</p>
      <p>市役所に届いた記録は残っています。</p>
      <button type="button" className="primary" onClick={() => store.acknowledgeErase()}>
        ログインし直す
      </button>
    </section>
  )
}
