// The bar on top of every screen (after boot): home link, connection, 未送信 count, when the city
// last answered, お知らせ with the unread count, who is logged in (their password change), and the
// expired-session line. In a volunteer's words: つながっています / つながっていません rather than
// オンライン / オフライン, 市役所 rather than サーバー, 送信 rather than 同期.
import { useSyncExternalStore } from "react"
import { holdsRecords, type Store } from "../../store"
import { sendStatus } from "../../pending"

/** Why the city would not take a record (the server's close reason), in words. */
const REFUSED_WORDS: Record<string, string> = {
  "value too long":
    "メモなどが長すぎて、記録を市役所に送れませんでした。記録はこのタブレットに残っています。地区の会長か市役所に連絡してください。",
  "document too large":
    "この方の記録が多すぎて、市役所に送れませんでした。記録はこのタブレットに残っています。地区の会長か市役所に連絡してください。",
  "daily quota exceeded":
    "今日はこれ以上の記録を市役所に送れません。記録はこのタブレットに残り、明日送られます。",
  refused: "記録を市役所に送れませんでした。記録はこのタブレットに残っています。地区の会長か市役所に連絡してください。",
}

export function StatusBar({ store }: { store: Store }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const last = s.lastSync ? new Date(s.lastSync) : undefined
  // Only what the store knows: before the PIN (or after an erase) nothing, never 送信済み.
  const send = sendStatus({ open: s.lock === "open", pending: s.pending, docs: s.docs, activityKnown: s.activityKnown })
  const sendText =
    send.state === "unsent"
      ? `未送信 ${send.count}件`
      : send.state === "sent"
        ? "送信済み"
        : send.state === "checking"
          ? "送信状況を確認中"
          : s.lock === "locked" || s.lock === "setup"
            ? "送信状況は暗証番号を入れると表示します"
            : "送信状況はわかりません"
  const sendClass = send.state === "unsent" ? "pending some" : send.state === "sent" ? "pending none" : "pending unknown"
  // Office roles (city staff, the administrator) hold no records and do not sync: no sending state.
  const syncs = !s.me || holdsRecords(s.me)
  return (
    // Not a live region as a whole: only the unsent count is announced when it changes.
    <header className="status">
      <a className="home" href="#/">
        見守り
      </a>
      {syncs && s.lock === "open" && (
        // The connection's state exists only once the store is open and syncing. Not 電波がありません:
        // the signal may be fine while the city's server is down; what the volunteer needs to know is
        // whether records can reach the city now.
        <span className={s.online ? "net online" : "net offline"} data-testid="net">
          {s.online ? "つながっています" : "つながっていません"}
        </span>
      )}
      {syncs && (
        <>
          <span className={sendClass} data-testid="pending" data-state={send.state} role="status" aria-live="polite">
            {sendText}
          </span>
          <span className="last" data-testid="last-sync">
            {last
              ? `最後につながった時刻 ${last.getMonth() + 1}/${last.getDate()} ${String(last.getHours()).padStart(2, "0")}:${String(last.getMinutes()).padStart(2, "0")}`
              : "まだ一度もつながっていません"}
          </span>
        </>
      )}
      {s.me && (
        <a className="notices-link" href="#/notices" data-testid="notices-link">
          お知らせ
          {s.unreadNotices > 0 && <span className="count">{s.unreadNotices}</span>}
        </a>
      )}
      {s.me && (
        <a className="who" href="#/password" title="パスワードを変える" data-testid="who">
          {s.me.display_name}
        </a>
      )}
      {syncs && s.refused && (
        // The server would not store a change (too long, too large, or the day's amount spent):
        // nothing is lost, but retrying alone will not send it — someone has to look.
        <p className="refused" role="alert" data-testid="refused">
          {REFUSED_WORDS[s.refused] ?? REFUSED_WORDS.refused}
        </p>
      )}
      {s.sessionExpired && (
        <a className="expired" href="#/login" data-testid="session-expired">
          記録はこのタブレットに保存されています。市役所に送るにはパスワードを入れてください
        </a>
      )}
    </header>
  )
}
