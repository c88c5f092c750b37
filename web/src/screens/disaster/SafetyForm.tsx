// One resident's 安否 (#/disaster/:id/r/:rid): who and where (address, phone, emergency contacts), four
// big buttons — 無事 / 避難済み / 支援が必要 / 不在・不明 — a memo if needed, 保存する. Three taps from
// the list. A correction is a new record (records are never edited); the latest counts.
import { useState } from "react"
import type { DocEntry, Store } from "../../store"
import { SAFETY_STATUSES, safetyWords, type SafetyStatus } from "../../disaster"
import { latestFor, recordedDisasterId } from "../../safety"
import { formatJst, str } from "../../schema"
import { go } from "../../hash"
import { Choice, ErrorLine, Field } from "../../ui"
import { PlanCard } from "../commissioner/PlanCard"

export function SafetyForm({ store, entry, id, kind, since }: { store: Store; entry: DocEntry; id: string; kind: string; since: number }) {
  const [status, setStatus] = useState<SafetyStatus>()
  const [memo, setMemo] = useState("")
  const [error, setError] = useState<string>()
  const p = entry.doc?.profile
  const latest = latestFor(entry.doc, id, since)
  const contacts = (p?.emergencyContacts ?? []).map(c => str(c)).filter(Boolean)

  function save() {
    if (!status) return setError("無事・避難済み・支援が必要・不在・不明のどれかを選んでください。")
    if (memo.length > 1000) return setError("メモは1000文字以内にしてください。")
    if (!store.recordSafety(entry, { disasterId: recordedDisasterId(id), disasterKind: kind, status, memo })) {
      return setError("保存できませんでした。もう一度お試しください。")
    }
    go(`disaster/${encodeURIComponent(id)}/saved`)
  }

  return (
    <section className="safety-form">
      <h1 data-testid="resident-name">{str(p?.name)}</h1>
      <dl className="profile">
        <dt>住所</dt>
        <dd>{str(p?.address) || "—"}</dd>
        <dt>電話</dt>
        <dd>{str(p?.phone) ? <a href={`tel:${str(p?.phone)}`}>{str(p?.phone)}</a> : "—"}</dd>
        {contacts.length > 0 && (
          <>
            <dt>緊急連絡先</dt>
            <dd>{contacts.join("、")}</dd>
          </>
        )}
      </dl>
      <PlanCard entry={entry} editable={false} />
      {latest && (
        <p className="hint">
          前回：{safetyWords(latest.status)}（{formatJst(latest.at)}）
        </p>
      )}
      <Choice name="安否" options={SAFETY_STATUSES.map(s => [s.value, s.label])} value={status} onChange={setStatus} />
      <Field label="メモ（必要なときだけ）">
        <textarea name="memo" rows={3} value={memo} onChange={e => setMemo(e.target.value)} />
      </Field>
      <ErrorLine text={error} />
      <div className="actions">
        <button type="button" className="primary big" onClick={save}>
          保存する
        </button>
        <a className="button" href={`#/disaster/${encodeURIComponent(id)}`}>
          一覧へ戻る
        </a>
      </div>
    </section>
  )
}
