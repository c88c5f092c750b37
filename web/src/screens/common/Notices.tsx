// お知らせ: the inbox every tablet has (readable offline; 既読 on opening, queued while offline). The
// city office writes and sends them in staff/StaffNotices.tsx.
import { useEffect, useSyncExternalStore } from "react"
import { formatMs, label } from "../../schema"
import type { Store } from "../../store"
import type { Priority } from "../../api"

export const PRIORITIES: [Priority, string][] = [
  ["normal", "通常"],
  ["important", "重要"],
  ["urgent", "緊急"],
]
export const priorityLabel = (p: string) => label(PRIORITIES, p)

/** Plain text with line breaks; http(s) links become links (opened outside the app). */
function Body({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s<>"]+)/g)
  return (
    <div className="notice-body">
      {parts.map((p, i) =>
        /^https?:\/\//.test(p) ? (
          <a key={i} href={p} target="_blank" rel="noopener noreferrer">
            {p}
          </a>
        ) : (
          <span key={i}>{p}</span>
        ),
      )}
    </div>
  )
}

/** How often an open inbox asks for new notices when no push arrives. */
const INBOX_REFRESH_MS = 5000

export function NoticeList({ store }: { store: Store }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  // Opening the inbox asks the server at once (the cached list shows meanwhile, and stays offline):
  // a notice sent a moment ago is there now, not at the next minute's check. While it stays open, a
  // new notice shows within seconds: a push wakes the list at once (the service worker tells the
  // page); without push (refused, unsupported) the open inbox asks again every 5 s.
  useEffect(() => {
    void store.refreshNotices()
    const again = setInterval(() => void store.refreshNotices(), INBOX_REFRESH_MS)
    return () => clearInterval(again)
  }, [store])
  return (
    <section>
      <h1>お知らせ</h1>
      {s.push === "off" && (
        <button type="button" onClick={() => void store.enablePush(true)}>
          お知らせが届いたら通知する
        </button>
      )}
      {s.notices.length === 0 && <p className="hint">お知らせはありません。</p>}
      <ul className="notices">
        {s.notices.map(n => (
          <li key={n.id} className={`notice priority-${n.priority}${n.read ? "" : " unread"}`} data-testid="notice">
            <a href={`#/notices/${encodeURIComponent(n.id)}`}>
              {n.priority !== "normal" && <span className={`badge p-${n.priority}`}>{priorityLabel(n.priority)}</span>}
              <span className="title">{n.title}</span>
              <span className="date">{formatMs(n.sent_at)}</span>
              {!n.read && <span className="badge unread-mark">未読</span>}
            </a>
          </li>
        ))}
      </ul>
    </section>
  )
}

export function NoticeDetail({ store, id }: { store: Store; id: string }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const n = s.notices.find(x => x.id === id)
  useEffect(() => {
    if (n && !n.read) void store.markNoticeRead(id)
  }, [id, n, store])
  if (!n)
    return (
      <section>
        <h1>お知らせ</h1>
        <p className="hint">このお知らせは見つかりません（取り消されたか、期限が過ぎました）。</p>
        <a className="button" href="#/notices">
          お知らせ一覧へ
        </a>
      </section>
    )
  return (
    <section>
      <p>
        {n.priority !== "normal" && <span className={`badge p-${n.priority}`}>{priorityLabel(n.priority)}</span>}{" "}
        {formatMs(n.sent_at)}
      </p>
      <h1 data-testid="notice-title">{n.title}</h1>
      <Body text={n.body} />
      <a className="button" href="#/notices">
        お知らせ一覧へ
      </a>
    </section>
  )
}
