// つなぎを記録する: a referral of the resident to an agency — つないだ先, the day, what it was about (the
// 活動記録 分野) and a note — saved into the resident's document here (sent when online, like a
// contact: referrals.ts, store.ts recordReferral). From the resident's page (#/r/ID/referral) for a
// commissioner or the lead, or from an alert (#/alerts/ID/referral, lead/Alerts.tsx) with the
// agency of the alert's suggested route already chosen: then 分野 and 保存する are the only taps.
// 保存する sits in the bar fixed to the bottom, as on the record form.
import { useState } from "react"
import type { DocEntry, Store } from "../../store"
import { go } from "../../hash"
import { Choice, Field, Group } from "../../ui"
import { FIELDS, REFERRAL_AGENCIES, dayJst, nowJst, str, type ReferralAgency } from "../../schema"
import { referralErrors } from "../../referrals"

const FIELD_CHOICES: [string, string][] = FIELDS.map(f => [f, f])

export function ReferralForm({
  store,
  entry,
  from,
  back,
  done,
}: {
  store: Store
  entry: DocEntry
  /** The alert it is made from: its id, the agency of its route, and its words (shown on top). */
  from?: { alertId: string; to: ReferralAgency; title: string }
  /** Where やめる leads and where the user goes once it is saved (hash paths, after `#/`). */
  back: string
  done: string
}) {
  const [today] = useState(() => dayJst(nowJst()))
  const [to, setTo] = useState<ReferralAgency | undefined>(from?.to)
  const [on, setOn] = useState(today)
  const [field, setField] = useState<string>()
  const [note, setNote] = useState("")
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [failed, setFailed] = useState<string>()
  const [busy, setBusy] = useState(false)
  const name = str(entry.doc?.profile?.name)

  async function save(e: React.FormEvent) {
    e.preventDefault()
    const input = { on, to, field, note, alertId: from?.alertId }
    const errs = referralErrors(input, dayJst(nowJst()))
    setErrors(errs)
    setFailed(undefined)
    if (Object.keys(errs).length) {
      requestAnimationFrame(() => document.querySelector(".referral-form .invalid")?.scrollIntoView({ block: "center" }))
      return
    }
    setBusy(true)
    try {
      await store.recordReferral(entry, input)
      go(done)
    } catch (err) {
      setFailed(err instanceof Error ? err.message : String(err))
      setBusy(false)
    }
  }

  return (
    <section>
      <h1 data-testid="referral-heading">つなぎを記録する: {name}</h1>
      {from && (
        <p className="hint" data-testid="referral-from">
          見守りの注意「{from.title}」から
        </p>
      )}
      <form onSubmit={e => void save(e)} noValidate className="record referral-form" autoComplete="off">
        <Group title="つないだ先" error={errors.to} testid="referral-to">
          <Choice name="つないだ先" options={REFERRAL_AGENCIES} value={to} onChange={setTo} />
        </Group>
        <Field label="日付" error={errors.on}>
          <input name="on" type="date" max={today} value={on} onChange={e => setOn(e.target.value)} />
        </Field>
        <Group title="分野（何についてのつなぎか）" error={errors.field} testid="referral-field">
          <Choice name="分野" options={FIELD_CHOICES} value={field} onChange={setField} />
        </Group>
        <Field label="メモ（なくてもかまいません）" error={errors.note}>
          <textarea name="note" autoComplete="off" value={note} onChange={e => setNote(e.target.value)} />
        </Field>
        {/* Fixed to the bottom of the screen: 保存する never needs a scroll. */}
        <div className="save-bar">
          <div className="save-bar-inner">
            {Object.keys(errors).length > 0 && (
              <p className="error" role="alert">
                入力を確かめてください（赤い所）。
              </p>
            )}
            {failed && (
              <p className="error" role="alert">
                {failed}
              </p>
            )}
            <button className="primary big" type="submit" disabled={busy}>
              保存する
            </button>
            <a className="button" href={`#/${back}`}>
              やめる
            </a>
          </div>
        </div>
      </form>
    </section>
  )
}
