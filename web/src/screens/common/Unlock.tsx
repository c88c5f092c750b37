// 暗証番号 (the PIN): set once after the first login, asked on every start and after the idle lock;
// warns before the tablet locks itself for being offline too long, and before wrong PINs erase it.
import { useState, useSyncExternalStore } from "react"
import type { Store } from "../../store"
import { messageOf } from "../../api"
import { Field, deviceWord } from "../../ui"

const PIN = /^[0-9]{6,12}$/

/** The PIN: chosen once after the first login, asked on every start and after the idle lock. */
export function Unlock({ store, setup }: { store: Store; setup: boolean }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const [pin, setPin] = useState("")
  const [again, setAgain] = useState("")
  const [error, setError] = useState<{ field: string; message: string }>()
  const [busy, setBusy] = useState(false)
  const device = deviceWord(s.me)
  async function submit(e: React.FormEvent) {
    e.preventDefault()
    if (!PIN.test(pin)) return setError({ field: "pin", message: "暗証番号は数字6〜12けたです。" })
    if (setup && pin !== again) return setError({ field: "again", message: "1回目と2回目の暗証番号がちがいます。" })
    setBusy(true)
    try {
      if (setup) {
        await store.setupPin(pin)
      } else {
        const r = await store.unlock(pin)
        if (r === "wrong") setError({ field: "pin", message: "暗証番号がちがいます。" })
        if (r === "hardware")
          setError({ field: "pin", message: `この${device}の認証（指紋・画面ロック）ができませんでした。もう一度お試しください。` })
        if (r === "offline")
          setError({ field: "pin", message: `この${device}は、まだ一度も市役所につながっていません。電波のよい所でお試しください。` })
        if (r === "sealed")
          setError({ field: "pin", message: "まだ鍵がかかっています。電波のよい所で、この画面を開き直してください。" })
      }
    } catch (x) {
      setError({ field: "pin", message: messageOf(x) })
    } finally {
      setBusy(false)
      setPin("")
      setAgain("")
    }
  }
  const left = 10 - s.pinFailures
  return (
    <section>
      <h1>{setup ? "暗証番号を決めてください" : "暗証番号を入れてください"}</h1>
      {setup && <p>この{device}の記録を守るための数字です（6〜12けた）。開くたびに入れます。</p>}
      {s.sealed ? (
        <div className="error" role="alert" data-testid="sealed">
          <p>
            長い間、市役所につながらなかったため、この{device}に鍵をかけました。記録は消えていません（まだ送っていない記録も残っています）。
          </p>
          <p>電波のよい所で開き直すと、暗証番号で開けるようになり、記録が送られます。</p>
          {s.sessionExpired && (
            <a className="button primary" href="#/login">
              パスワードを入れてログインする
            </a>
          )}
        </div>
      ) : (
        s.expiryWarningDays !== undefined && (
          <p className="error" role="alert" data-testid="expiry-warning">
            あと{s.expiryWarningDays}日のうちに、電波のよい所で開いてください。つながらないままだと、この{device}に鍵がかかります（記録は消えません。電波のよい所で開けば元どおり使えます）。
          </p>
        )
      )}
      {!setup && left <= 3 && (
        <p className="error" role="alert" data-testid="pin-warning">
          あと{left}回まちがえると、この{device}の記録（まだ送っていないものも）が消えます。
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <Field label="暗証番号" error={error?.field === "pin" ? error.message : undefined}>
          <input name="pin" type="password" inputMode="numeric" autoComplete="off" value={pin} onChange={e => setPin(e.target.value)} />
        </Field>
        {setup && (
          <Field label="もう一度" error={error?.field === "again" ? error.message : undefined}>
            <input name="again" type="password" inputMode="numeric" autoComplete="off" value={again} onChange={e => setAgain(e.target.value)} />
          </Field>
        )}
        <button className="primary big" type="submit" disabled={busy}>
          {setup ? "決める" : "開く"}
        </button>
      </form>
    </section>
  )
}
