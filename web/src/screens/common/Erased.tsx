// 記録を消しました: what the tablet says after it erased its records (too many wrong PINs, revoked by
// the city, or offline too long), until its user logs in again.
import type { Store } from "../../store"

export function Erased({ why, store }: { why: "erased" | "revoked" | "expired"; store: Store }) {
  const text = {
    erased: "暗証番号を10回まちがえたため、この端末の記録を消しました。",
    revoked: "この端末は市によって利用停止になったため、記録を消しました。",
    expired: "長い間サーバーにつながらなかったため、この端末の記録を消しました。",
  }[why]
  return (
    <section>
      <h1 data-testid="erased">記録を消しました</h1>
      <p>{text}</p>
      <p>サーバーに送った記録は残っています。</p>
      <button type="button" className="primary" onClick={() => store.acknowledgeErase()}>
        ログインし直す
      </button>
    </section>
  )
}
