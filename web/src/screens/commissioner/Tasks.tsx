// The commissioner's side of the review loop (the lead's side: lead/Review.tsx): the lead's 要確認 /
// 差し戻し on their records, listed on the home (Tasks), answered on the contact itself (Answer).
// Both read and write the resident's document, so they work offline.
import { useState, useSyncExternalStore } from "react"
import { Automerge as A } from "@automerge/automerge-repo/slim"
import type { DocEntry, Store } from "../../store"
import { ErrorLine } from "../../ui"
import { reviewRequests } from "../../today"
import { withShownReviews } from "../../marks"
import { REVIEW_MARKS, formatJst, label, nowJst, str } from "../../schema"

/** The commissioner's open tasks: their contacts the lead marked 要確認 or 差し戻し. */
export function tasksOf(docs: DocEntry[], me: string) {
  // Those still to answer first.
  return reviewRequests(docs, me)
    .map(r => ({ ...r, answered: !!r.answer }))
    .sort((a, b) => Number(a.answered) - Number(b.answered))
}

export function Tasks({ store }: { store: Store }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  if (!s.me) return null
  const tasks = tasksOf(
    s.docs.map(e => withShownReviews(e, s.me?.district_leads)),
    s.me.id,
  )
  if (tasks.length === 0) return null
  return (
    <div className="tasks" data-testid="tasks">
      <h2>地区からの確認依頼（{tasks.length}件）</h2>
      <ul>
        {tasks.map(t => (
          <li key={t.contactId} data-testid="task">
            <a href={`#/r/${encodeURIComponent(t.entry.residentId)}`}>
              <strong>{str(t.entry.doc?.profile?.name)}</strong> {formatJst(t.occurredAt)}の記録 —{" "}
              {label(REVIEW_MARKS, t.mark)}「{t.comment}」{t.answered && "（返事済み）"}
            </a>
          </li>
        ))}
      </ul>
    </div>
  )
}

/** On the commissioner's timeline: answer the lead's request, on the contact itself. */
export function Answer({ store, entry, contactId }: { store: Store; entry: DocEntry; contactId: string }) {
  const [text, setText] = useState("")
  const [error, setError] = useState<string>()
  const c = entry.doc?.contacts?.[contactId]
  function send() {
    if (!text.trim()) return setError("返事を書いてください。")
    const handle = store.handle(entry.url)
    if (!handle) return
    store.change(handle, d => {
      const target = d.contacts[contactId] as unknown as Record<string, unknown>
      target.answer = new A.ImmutableString(text.trim())
      target.answeredAt = new A.ImmutableString(nowJst())
    })
    setText("")
    setError(undefined)
  }
  return (
    <div className="answer-form">
      {str(c?.answer) && <p className="answer">わたしの返事: {str(c?.answer)}</p>}
      <label className="field">
        <span className="label">地区への返事</span>
        <textarea name="answer" rows={2} autoComplete="off" value={text} onChange={e => setText(e.target.value)} />
      </label>
      <ErrorLine text={error} />
      <button type="button" onClick={send}>
        返事を送る
      </button>
    </div>
  )
}
