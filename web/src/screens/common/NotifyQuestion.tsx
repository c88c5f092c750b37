// 通知の質問: the first time a commissioner or lead reaches their home with the store open, the app
// asks once, in plain words, whether to be notified when a notice arrives. A card on the home, not a
// dialog: recording is never held up by it. はい does what the inbox's 「お知らせが届いたら通知する」
// does (Store.enablePush from a tap: the browser's own question, then the subscription); either
// answer is remembered for this user on this tablet (localStorage: a flag, nothing personal), so it
// is never asked again. Already subscribed, allowed or refused in the browser: nothing to ask.
import { useState, useSyncExternalStore } from "react"
import type { Store } from "../../store"

const asked = (userId: string) => `mimamori.pushAsked.${userId}`

export function NotifyQuestion({ store }: { store: Store }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  // Re-read on answering (localStorage is not a React state).
  const [, setAnswered] = useState(0)
  const me = s.me
  if (!me || s.push !== "off" || localStorage.getItem(asked(me.id)) !== null) return null
  // Only while the browser has not decided: allowed already, the app subscribes by itself (store:
  // enablePush at every start); refused, はい could not work (the inbox's button stays for later).
  if (typeof Notification === "undefined" || Notification.permission !== "default") return null

  const key = asked(me.id)
  function answer(yes: boolean) {
    localStorage.setItem(key, yes ? "yes" : "no")
    setAnswered(n => n + 1)
    // Not awaited: the card goes at once, whatever the browser and the push service take.
    if (yes) void store.enablePush(true)
  }
  return (
    <div className="notify-question" data-testid="notify-question">
      <p>
        <strong>お知らせが届いたら通知しますか？</strong>
        <br />
        市役所からのお知らせなどが届いたとき、アプリを開いていなくても画面に出ます。「いいえ」でも、あとから「お知らせ」の画面で始められます。
      </p>
      <div className="actions">
        <button type="button" className="primary" onClick={() => answer(true)}>
          はい
        </button>
        <button type="button" onClick={() => answer(false)}>
          いいえ
        </button>
      </div>
    </div>
  )
}
