// 記録（新しい順）: a resident's contacts and 安否 (災害モード), newest first, with what is still unsent,
// the lead's review and, for the commissioner who wrote the record, the answer to the lead (Answer,
// Tasks.tsx). The 安否 stay in the resident's history after the disaster ends.
import { useSyncExternalStore } from "react"
import type { DocEntry, Store } from "../../store"
import { CHECK_NAMES, CONCERNS, KINDS, OUTCOMES, REVIEW_MARKS, contactsNewestFirst, formatJst, label, monthDayJa, str } from "../../schema"
import { Answer } from "./Tasks"
import { shownReviews } from "../../marks"
import { safetyRecords, type SafetyRecord } from "../../safety"
import { DISASTER_KINDS, safetyWords } from "../../disaster"

export function Timeline({ entry, store }: { entry: DocEntry; store: Store }) {
  // The store as the server-render snapshot too (a unit test renders this without a browser).
  const me = useSyncExternalStore(store.subscribe, store.get, store.get).me
  const contacts = contactsNewestFirst(entry.doc)
  const safety = safetyRecords(entry.doc)
  const reviews = shownReviews(entry, me?.district_leads)
  if (contacts.length === 0 && safety.length === 0) return <p className="hint">まだ記録がありません。</p>
  const t = (at: string) => Date.parse(at) || 0
  // Both lists are newest first: merged by time, a 安否 before a contact of the same moment.
  const items: ({ safety: SafetyRecord } | { contact: (typeof contacts)[number] })[] = []
  for (let i = 0, j = 0; i < contacts.length || j < safety.length; ) {
    if (j < safety.length && (i >= contacts.length || t(safety[j].at) >= t(str(contacts[i].occurredAt)))) items.push({ safety: safety[j++] })
    else items.push({ contact: contacts[i++] })
  }
  return (
    <ol className="timeline">
      {items.map(item => {
        if ("safety" in item) {
          const r = item.safety
          return (
            <li key={`safety-${r.id}`} className={`contact safety ${r.status}`} data-testid="timeline-safety">
              <div className="when">
                {formatJst(r.at)} 安否確認（{label(DISASTER_KINDS.map(k => [k.value, k.label]), r.disasterKind) || "災害"}）・{safetyWords(r.status)}
                {entry.pendingContacts.includes(r.id) && <span className="badge unsent">未送信</span>}
              </div>
              {r.memo && <p className="note">{r.memo}</p>}
            </li>
          )
        }
        const c = item.contact
        const review = reviews[str(c.id)]
        const concerns = CHECK_NAMES.filter(([k]) => str(c.checks?.[k]) === "concern").map(([, l]) => l)
        const unknown = CHECK_NAMES.filter(([k]) => str(c.checks?.[k]) === "unknown").map(([, l]) => l)
        return (
          <li key={str(c.id)} className="contact" data-testid="contact">
            <div className="when">
              {formatJst(str(c.occurredAt))} {label(KINDS, str(c.kind))}
              {str(c.kind) !== "indirect" && `・${label(OUTCOMES, str(c.outcome))}`}
              {entry.pendingContacts.includes(str(c.id)) && <span className="badge unsent">未送信</span>}
            </div>
            {concerns.length > 0 && <div className="checks concern">気になる: {concerns.join("、")}</div>}
            {unknown.length > 0 && <div className="checks">確認できず: {unknown.join("、")}</div>}
            {str(c.concern) !== "none" && (
              <div className={`badge concern-${str(c.concern)}`}>{label(CONCERNS, str(c.concern))}</div>
            )}
            {str(c.note) && <p className="note">{str(c.note)}</p>}
            {c.followUp === true && (
              <div className="checks">
                もう一度訪ねる{str(c.followUpOn) ? `（${monthDayJa(str(c.followUpOn))}まで）` : ""}
              </div>
            )}
            {review && (
              <div className={`review review-${str(review.mark)}`} data-testid="review">
                地区の確認: {label(REVIEW_MARKS, str(review.mark))}
                {str(review.comment) && `「${str(review.comment)}」`}
              </div>
            )}
            {review && ["check", "return"].includes(str(review.mark)) && me && str(c.authorId) === me.id && (
              <Answer store={store} entry={entry} contactId={str(c.id)} />
            )}
          </li>
        )
      })}
    </ol>
  )
}
