// つなぎ（関係機関への紹介） on the resident's page: the resident's referrals, newest first — the day,
// where to, the 分野, what came of it (結果待ち in words, not only a colour) and the note — with
// 「つなぎを記録する」 (ReferralForm.tsx), and for the author of a referral still 結果待ち its outcome
// (支援につながった / 本人が望まなかった / その他, with a note if they like). Only the author changes a
// referral (referrals.ts).
import { useState, useSyncExternalStore, type ReactNode } from "react"
import type { DocEntry, Store } from "../../store"
import { go } from "../../hash"
import { ErrorLine, Field } from "../../ui"
import { REFERRAL_AGENCIES, REFERRAL_OUTCOMES, label, monthDayJa, str, type Referral } from "../../schema"
import { awaitsOutcomeFrom, outcomeNoteError, referralsNewestFirst, type FinalOutcome } from "../../referrals"

const FINAL_OUTCOMES = REFERRAL_OUTCOMES.filter(([k]) => k !== "open") as [FinalOutcome, string][]

export function Referrals({ store, entry }: { store: Store; entry: DocEntry }) {
  const me = useSyncExternalStore(store.subscribe, store.get).me
  const referrals = referralsNewestFirst(entry.doc)
  return (
    <>
      <h2>つなぎ（関係機関への紹介）</h2>
      {referrals.length === 0 && <p className="hint">まだありません。</p>}
      {referrals.length > 0 && (
        <ol className="referrals" data-testid="referrals">
          {referrals.map(r => (
            <ReferralItem key={str(r.id)} referral={r}>
              {awaitsOutcomeFrom(r, me?.id) && <OutcomeForm store={store} entry={entry} id={str(r.id)} />}
            </ReferralItem>
          ))}
        </ol>
      )}
      {/* A button, not a link: the page's one link named 記録する stays the record form's. */}
      <button type="button" onClick={() => go(`r/${encodeURIComponent(entry.residentId)}/referral`)}>
        つなぎを記録する
      </button>
    </>
  )
}

/** One referral as a line of the list (the resident's page, the alert it was made from). */
export function ReferralItem({ referral: r, children }: { referral: Referral; children?: ReactNode }) {
  const outcome = str(r.outcome)
  return (
    <li className={`referral outcome-${outcome}`} data-testid="referral">
      <div className="when">
        {monthDayJa(str(r.on))} {label(REFERRAL_AGENCIES, str(r.to))}
        <span className="field-word">（分野: {str(r.field)}）</span>
        <span className={`badge outcome-${outcome}`}>{label(REFERRAL_OUTCOMES, outcome)}</span>
      </div>
      {str(r.note) && <p className="note">{str(r.note)}</p>}
      {outcome !== "open" && (
        <div className="outcome" data-testid="referral-outcome">
          {str(r.outcomeOn) && `${monthDayJa(str(r.outcomeOn))} `}結果: {label(REFERRAL_OUTCOMES, outcome)}
          {str(r.outcomeNote) && `「${str(r.outcomeNote)}」`}
        </div>
      )}
      {children}
    </li>
  )
}

/** 結果を記録する: opened by a tap, then one tap on the outcome saves it (the note is optional). */
function OutcomeForm({ store, entry, id }: { store: Store; entry: DocEntry; id: string }) {
  const [open, setOpen] = useState(false)
  const [note, setNote] = useState("")
  const [error, setError] = useState<string>()
  const [noteError, setNoteError] = useState<string>()
  const [busy, setBusy] = useState(false)
  async function record(outcome: FinalOutcome) {
    const bad = outcomeNoteError(note)
    setNoteError(bad)
    if (bad) return
    setBusy(true)
    try {
      await store.setReferralOutcome(entry, id, outcome, note)
      setOpen(false)
      setNote("")
      setError(undefined)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        結果を記録する
      </button>
    )
  }
  return (
    <div className="outcome-form" data-testid="outcome-form">
      <Field label="結果のメモ（なくてもかまいません）" error={noteError}>
        <textarea name="outcome-note" rows={2} autoComplete="off" value={note} onChange={e => setNote(e.target.value)} />
      </Field>
      <div className="actions" role="group" aria-label="結果">
        {FINAL_OUTCOMES.map(([k, l]) => (
          <button key={k} type="button" className="primary" disabled={busy} onClick={() => void record(k)}>
            {l}
          </button>
        ))}
        <button type="button" onClick={() => setOpen(false)}>
          やめる
        </button>
      </div>
      <ErrorLine text={error} />
    </div>
  )
}
