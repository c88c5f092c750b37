// 記録の確認: the district lead's review of the district's records (all of them, or one resident's from
// the home). A lead's 要確認 / 差し戻し is written into the resident's document, so it reaches the
// commissioner's tablet as a task (offline too: commissioner/Tasks.tsx); the commissioner answers,
// and the loop closes when the lead marks it 確認済み.
import { useCallback, useEffect, useState, useSyncExternalStore } from "react"
import { Automerge as A } from "@automerge/automerge-repo/slim"
import type { DocEntry, Store } from "../../store"
import { ErrorLine } from "../../ui"
import { shownReviews } from "../../marks"
import { api, messageOf, type ReviewItem } from "../../api"
import { CHECK_NAMES, CONCERNS, KINDS, OUTCOMES, REVIEW_MARKS, formatJst, formatMs, label, nowJst, str, type ReviewMark } from "../../schema"

/** Writes the lead's mark into the resident's document. */
async function mark(store: Store, entry: DocEntry, contactId: string, m: ReviewMark, comment: string) {
  const handle = store.handle(entry.url) ?? (await store.open(entry.url))
  const me = store.get().me
  if (!handle || !me) throw new Error("この方の記録がこのパソコンにありません。")
  const I = (v: string) => new A.ImmutableString(v)
  store.change(handle, d => {
    ;(d.reviews as unknown as Record<string, unknown>)[contactId] = {
      mark: I(m),
      comment: I(comment.trim()),
      by: I(me.id),
      at: I(nowJst()),
    }
  })
}

/** The district's contacts for the lead to mark; `residentId`: one resident's only (from the home). */
export function ReviewList({ store, residentId }: { store: Store; residentId?: string }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const [items, setItems] = useState<ReviewItem[]>()
  const [error, setError] = useState<string>()
  const [filter, setFilter] = useState({ kind: "", concern: "", check: "", unmarked: false })
  const reload = useCallback(async () => {
    try {
      const q = new URLSearchParams()
      if (residentId) q.set("resident_id", residentId)
      if (filter.kind) q.set("kind", filter.kind)
      if (filter.concern) q.set("concern", filter.concern)
      if (filter.check) q.set("check", filter.check)
      setItems(await api.reviewContacts(q.toString()))
      setError(undefined)
    } catch (e) {
      setError(messageOf(e))
    }
  }, [residentId, filter.kind, filter.concern, filter.check])
  useEffect(() => {
    void reload()
  }, [reload])
  const shown = (items ?? []).filter(i => !filter.unmarked || !i.review_mark)
  return (
    <section>
      <h1>記録の確認{residentId && shown[0] ? `：${shown[0].resident_name}さん` : ""}</h1>
      {residentId && (
        <p>
          <a className="button" href="#/review">地区のすべての記録を見る</a>
        </p>
      )}
      <div className="filters">
        <Pick name="kind" title="連絡のしかた" all="すべて" options={KINDS} value={filter.kind} set={v => setFilter({ ...filter, kind: v })} />
        <Pick name="concern" title="心配の度合い" all="すべて" options={CONCERNS} value={filter.concern} set={v => setFilter({ ...filter, concern: v })} />
        <Pick name="check" title="気になる（まわりの様子）" all="指定なし" options={CHECK_NAMES} value={filter.check} set={v => setFilter({ ...filter, check: v })} />
        <label className="check">
          <input type="checkbox" checked={filter.unmarked} onChange={e => setFilter({ ...filter, unmarked: e.target.checked })} />
          まだ確認していないものだけ
        </label>
        <button type="button" onClick={() => void reload()}>
          新しくする
        </button>
      </div>
      <ErrorLine text={error} />
      {items === undefined && !error && <p className="hint">読み込み中…</p>}
      <ol className="review-list">
        {shown.map(i => (
          <ReviewEntry key={i.contact_id} store={store} item={i} entry={s.docs.find(d => d.residentId === i.resident_id)} reload={reload} />
        ))}
      </ol>
    </section>
  )
}

function Pick({ name, title, all, options, value, set }: { name: string; title: string; all: string; options: [string, string][]; value: string; set: (v: string) => void }) {
  return (
    <label className="field">
      <span className="label">{title}</span>
      <select name={name} value={value} onChange={e => set(e.target.value)}>
        <option value="">{all}</option>
        {options.map(([k, l]) => (
          <option key={k} value={k}>
            {l}
          </option>
        ))}
      </select>
    </label>
  )
}

function ReviewEntry({ store, item, entry, reload }: { store: Store; item: ReviewItem; entry?: DocEntry; reload: () => Promise<void> }) {
  const [comment, setComment] = useState("")
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<string>()
  const local = entry?.doc
  const answer = local ? str(local.contacts?.[item.contact_id]?.answer) : ""
  // The server's mark, or the lead's own not yet at the server (a mark someone else wrote into the
  // document is not shown: marks.ts).
  const leads = store.get().me?.district_leads
  const current = (entry && str(shownReviews(entry, leads)[item.contact_id]?.mark)) || item.review_mark
  const concerns = CHECK_NAMES.filter(([k]) => item.checks?.[k] === "concern").map(([, l]) => l)
  async function act(m: ReviewMark) {
    if (m !== "confirmed" && !comment.trim()) {
      setError(m === "check" ? "何を確かめてほしいかを書いてください。" : "差し戻す理由を書いてください。")
      return
    }
    try {
      if (!entry) throw new Error("この方の記録がこのパソコンにありません。")
      await mark(store, entry, item.contact_id, m, comment)
      setDone(label(REVIEW_MARKS, m))
      setError(undefined)
      setComment("")
      setTimeout(() => void reload(), 1500)
    } catch (e) {
      setError(messageOf(e))
    }
  }
  return (
    <li className={`review-item${current ? "" : " unmarked"}`} data-testid="review-item">
      <div className="when">
        <strong>{item.resident_name}</strong>（{item.commissioner}） {formatJst(item.occurred_at)}{" "}
        {label(KINDS, item.kind)}
        {item.kind !== "indirect" && `・${label(OUTCOMES, item.outcome)}`}
        <span className="received">（市役所に届いた時刻 {formatMs(item.received_at)}）</span>
      </div>
      {item.concern !== "none" && <span className={`badge concern-${item.concern}`}>{label(CONCERNS, item.concern)}</span>}
      {concerns.length > 0 && <div className="checks concern">気になる: {concerns.join("、")}</div>}
      {item.note && <p className="note">{item.note}</p>}
      {item.earlier && item.earlier.length > 0 && (
        <details className="earlier" data-testid="earlier">
          <summary>記録した方が{item.earlier.length}回 書き直しています（前の内容を見る）</summary>
          <ol>
            {item.earlier.map(v => (
              <li key={v.replaced_at}>
                {formatMs(v.replaced_at)} まで: {formatJst(v.occurred_at)} {label(KINDS, v.kind)}
                {v.kind !== "indirect" && `・${label(OUTCOMES, v.outcome)}`}
                {v.concern !== "none" && `・${label(CONCERNS, v.concern)}`}
                {v.note && `「${v.note}」`}
              </li>
            ))}
          </ol>
        </details>
      )}
      {current && (
        <div className="review" data-testid="current-mark">
          確認: {label(REVIEW_MARKS, current)}
        </div>
      )}
      {answer && (
        <div className="answer" data-testid="answer">
          委員からの返事: {answer}
        </div>
      )}
      <label className="field">
        <span className="label">コメント（要確認・差し戻しのときは必ず）</span>
        <textarea name="comment" rows={2} autoComplete="off" value={comment} onChange={e => setComment(e.target.value)} />
      </label>
      <div className="actions">
        {REVIEW_MARKS.map(([k, l]) => (
          <button key={k} type="button" className={k === "confirmed" ? "primary" : ""} onClick={() => void act(k)}>
            {l}
          </button>
        ))}
      </div>
      {done && <p className="hint">「{done}」を記録しました。</p>}
      <ErrorLine text={error} />
    </li>
  )
}
