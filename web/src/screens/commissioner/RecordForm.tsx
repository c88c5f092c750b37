// 記録する: one contact with a resident — when, how, the result, the checks, concern, a consultation
// (相談・支援: the 活動記録 fields and contents), a note, a follow-up visit. Saved into the resident's
// document on the tablet (sent when online); what is typed is kept as an encrypted draft (書きかけ,
// draft.ts) until it is saved.
//
// The form follows the kind: 間接確認 (seen from outside) has no 結果 to ask, so it asks only the
// checks, concern and memo. 保存する sits in a bar fixed to the bottom of the screen, so the common
// case never scrolls: from the list, 記録する → 訪問 → 会えた → すべて異常なし → 保存する (5 taps), or
// 記録する → 間接確認 → すべて異常なし → 保存する (4).
import { useEffect, useRef, useState, useSyncExternalStore } from "react"
import { Automerge as A } from "@automerge/automerge-repo/slim"
import type { DocEntry, Store } from "../../store"
import { FOLLOW_UP_DAYS, addDays } from "../../mine"
import { isBlank, type RecordDraft } from "../../draft"
import { go } from "../../hash"
import { currentPlan } from "../../evacuation"
import { Choice, Field, Group, Multi } from "../../ui"
import {
  CHECK_NAMES,
  CHECK_VALUES,
  CONCERNS,
  CONTENTS,
  FIELDS,
  KINDS,
  MAX_NOTE_CHARS,
  OUTCOMES,
  dayJst,
  formatJst,
  nowJst,
  str,
  type CheckName,
  type CheckValue,
  type Concern,
  type Kind,
  type Outcome,
} from "../../schema"

/**
 * What an indirect check (間接確認) saves as its result. The document's schema (server:
 * sync/schema.rs OUTCOMES) requires one of met / absent / no_answer / other; nobody was met, sought at
 * the door or called, so 会えた, 不在 and 応答なし would each say something that did not happen (応答なし
 * would also fire the 電気 + 応答なし alert rule).
 */
const INDIRECT_OUTCOME: Outcome = "other"

/** Whether this kind of contact asks whether they met (結果): all but 間接確認. */
const asksOutcome = (kind: Kind | undefined) => kind !== "indirect"

/** `2026-11-23T10:05` in Japan time, for a datetime-local input. */
function localInputValue(d = new Date()): string {
  return nowJst(d).slice(0, 16)
}


export function RecordForm({ store, entry }: { store: Store; entry: DocEntry }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const [opened] = useState(localInputValue)
  const [when, setWhen] = useState(opened)
  const [kind, setKind] = useState<Kind>()
  const [outcome, setOutcome] = useState<Outcome>()
  const [checks, setChecks] = useState<Partial<Record<CheckName, CheckValue>>>({})
  const [concern, setConcern] = useState<Concern>("none")
  // 相談・支援: closed unless the commissioner says a consultation took place (then it is counted).
  const [consulted, setConsulted] = useState(false)
  const [fields, setFields] = useState<string[]>([])
  const [contents, setContents] = useState<string[]>([])
  const [note, setNote] = useState("")
  const [followUp, setFollowUp] = useState(false)
  /** 「計画に変更なし」: this visit confirmed the current 個別避難計画. */
  const plan = currentPlan(entry.doc)?.plan
  const [planConfirmed, setPlanConfirmed] = useState(false)
  const [followUpOn, setFollowUpOn] = useState(() => addDays(dayJst(nowJst()), FOLLOW_UP_DAYS))
  const [errors, setErrors] = useState<Record<string, string>>({})
  const name = str(entry.doc?.profile?.name)
  const residentId = entry.residentId

  // 書きかけの記録: read back once when the form opens, then kept (encrypted) as it is typed.
  const [draftLoaded, setDraftLoaded] = useState(false)
  const [restored, setRestored] = useState<number>() // when the restored draft was last written
  const [confirmDiscard, setConfirmDiscard] = useState(false)
  const [discarded, setDiscarded] = useState(false)
  const touched = useRef(false) // typed before the draft was read: the typing wins
  const saved = useRef(false)
  useEffect(() => {
    let live = true
    store
      .loadDraft(residentId)
      .then(d => {
        if (!live) return
        if (d && !touched.current && !isBlank(d)) {
          if (d.when) setWhen(d.when)
          setKind(d.kind)
          setOutcome(d.outcome)
          setChecks(d.checks)
          setConcern(d.concern)
          setConsulted(d.consulted)
          setFields(d.fields)
          setContents(d.contents)
          setNote(d.note)
          setFollowUp(d.followUp)
          if (d.followUpOn) setFollowUpOn(d.followUpOn)
          setRestored(d.savedAt)
        }
      })
      .catch(() => {})
      .finally(() => live && setDraftLoaded(true))
    return () => {
      live = false
    }
  }, [store, residentId])
  const draft: RecordDraft = {
    v: 1,
    savedAt: Date.now(),
    when: when === opened ? undefined : when,
    kind,
    outcome,
    checks,
    concern,
    consulted,
    fields,
    contents,
    note,
    followUp,
    followUpOn: followUp ? followUpOn : undefined,
  }
  const draftJson = JSON.stringify({ ...draft, savedAt: 0 })
  // `draft` itself is new on every render; `draftJson` is what it holds, so the effect reads that.
  useEffect(() => {
    const typed = JSON.parse(draftJson) as RecordDraft
    if (!draftLoaded) {
      if (!isBlank(typed)) touched.current = true
      return
    }
    if (!saved.current) void store.saveDraft(residentId, { ...typed, savedAt: Date.now() })
  }, [draftLoaded, draftJson, store, residentId])

  function discardDraft() {
    setWhen(opened)
    setKind(undefined)
    setOutcome(undefined)
    setChecks({})
    setConcern("none")
    setConsulted(false)
    setFields([])
    setContents([])
    setNote("")
    setFollowUp(false)
    setErrors({})
    setRestored(undefined)
    setConfirmDiscard(false)
    setDiscarded(true)
    void store.discardDraft(residentId)
  }

  function save(e: React.FormEvent) {
    e.preventDefault()
    const errs: Record<string, string> = {}
    if (!kind) errs.kind = "どのような連絡か（訪問・電話・声かけ・間接確認）を選んでください。"
    if (asksOutcome(kind) && !outcome) errs.outcome = "結果（会えた・不在など）を選んでください。"
    // Counted under 相談・支援 by its 分野: opened with none chosen would count nothing.
    if (consulted && fields.length === 0)
      errs.fields = "相談・支援の分野を選んでください（相談・支援がなければ「相談・支援をした」を外してください）。"
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(when)) errs.when = "日時を入れてください。"
    else if (Date.parse(when + ":00+09:00") > Date.now() + 5 * 60_000) errs.when = "これから先の日時は記録できません。"
    if (note.length > MAX_NOTE_CHARS) errs.note = `メモは${MAX_NOTE_CHARS}文字までです（いま${note.length}文字）。`
    if (followUp && !/^\d{4}-\d{2}-\d{2}$/.test(followUpOn)) errs.followUpOn = "もう一度訪ねる日を入れてください。"
    setErrors(errs)
    if (Object.keys(errs).length) {
      // The first field to mend, where the eye can find it (the form may be scrolled past it).
      requestAnimationFrame(() => document.querySelector(".record .invalid")?.scrollIntoView({ block: "center" }))
      return
    }
    const handle = store.handle(entry.url)
    if (!handle || !s.me) return
    const id = crypto.randomUUID()
    const I = (v: string) => new A.ImmutableString(v)
    const allChecks = Object.fromEntries(CHECK_NAMES.map(([k]) => [k, I(checks[k] ?? "na")]))
    store.change(handle, d => {
      if (!d.contacts) (d as { contacts: object }).contacts = {}
      ;(d.contacts as unknown as Record<string, unknown>)[id] = {
        id: I(id),
        // Untouched: the moment of saving, to the second (several records in a minute keep their order).
        occurredAt: I(when === opened ? nowJst() : when + ":00+09:00"),
        authorId: I(s.me!.id),
        kind: I(kind!),
        outcome: I(kind === "indirect" ? INDIRECT_OUTCOME : outcome!),
        checks: allChecks,
        concern: I(concern),
        // No consultation recorded: empty, so that 相談・支援 counts only what took place.
        activity: consulted ? { fields: fields.map(I), contents: contents.map(I) } : { fields: [], contents: [] },
        note: I(note.trim()),
        followUp,
        ...(followUp ? { followUpOn: I(followUpOn) } : {}),
        ...(plan && planConfirmed ? { planConfirmed: I(plan.id) } : {}),
      }
    })
    // Saved in the document: the draft has done its work.
    saved.current = true
    void store.discardDraft(residentId)
    go(`r/${encodeURIComponent(entry.residentId)}/saved`)
  }

  return (
    <section>
      <h1>記録する: {name}</h1>
      {restored !== undefined && (
        <div className="draft-notice" data-testid="draft-restored">
          <p>
            書きかけの記録を戻しました{restored > 0 && `（${formatJst(nowJst(new Date(restored)))}まで書いたもの）`}
            。続きを書いて「保存する」を押してください。
          </p>
          {confirmDiscard ? (
            <div className="actions">
              <span className="confirm">書きかけを捨てますか？ 元には戻せません。</span>
              <button type="button" className="danger" onClick={discardDraft}>
                捨てる
              </button>
              <button type="button" onClick={() => setConfirmDiscard(false)}>
                残す
              </button>
            </div>
          ) : (
            <button type="button" onClick={() => setConfirmDiscard(true)}>
              書きかけを捨てる
            </button>
          )}
        </div>
      )}
      {discarded && restored === undefined && (
        <p className="hint" data-testid="draft-discarded">
          書きかけを捨てました。
        </p>
      )}
      <form onSubmit={save} noValidate className="record" autoComplete="off" data-draft={draftLoaded ? "read" : "reading"}>
        <Field label="日時" error={errors.when}>
          <input name="when" type="datetime-local" value={when} onChange={e => setWhen(e.target.value)} />
        </Field>
        <Group title="連絡のしかた" error={errors.kind} testid="kind">
          <Choice name="連絡のしかた" options={KINDS} value={kind} onChange={setKind} />
        </Group>
        {asksOutcome(kind) && (
          <Group title="結果" error={errors.outcome} testid="outcome">
            <Choice name="結果" options={OUTCOMES} value={outcome} onChange={setOutcome} />
          </Group>
        )}
        <Group title="まわりの様子" testid="checks">
          <button
            type="button"
            className="allok"
            onClick={() => setChecks(Object.fromEntries(CHECK_NAMES.map(([k]) => [k, "ok"])))}
          >
            すべて異常なし
          </button>
          {CHECK_NAMES.map(([k, l]) => (
            <div className="check-row" key={k} data-check={k}>
              <span className="check-name">{l}</span>
              <Choice name={l} options={CHECK_VALUES} value={checks[k]} onChange={v => setChecks({ ...checks, [k]: v })} />
            </div>
          ))}
        </Group>
        <Group title="心配の度合い" testid="concern">
          <Choice name="心配の度合い" options={CONCERNS} value={concern} onChange={setConcern} />
        </Group>
        <label className="followup">
          <input
            type="checkbox"
            name="consulted"
            checked={consulted}
            onChange={e => {
              setConsulted(e.target.checked)
              // Closed again: nothing of it is kept (or counted).
              if (!e.target.checked) {
                setFields([])
                setContents([])
              }
            }}
          />
          相談・支援をした
        </label>
        {consulted && (
          <>
            <Group title="相談・支援の分野" error={errors.fields} testid="fields">
              <Multi options={FIELDS.map(f => [f, f])} value={fields} onChange={setFields} />
            </Group>
            <Group title="相談・支援の内容（あれば）" testid="contents">
              <Multi options={CONTENTS.map(c => [c, c])} value={contents} onChange={setContents} />
            </Group>
          </>
        )}
        <Field label="メモ" error={errors.note}>
          <textarea name="note" autoComplete="off" value={note} onChange={e => setNote(e.target.value)} />
        </Field>
        {plan && (
          <label className="check plan-confirm">
            <input type="checkbox" name="planConfirmed" checked={planConfirmed} onChange={e => setPlanConfirmed(e.target.checked)} />
            個別避難計画：変更なし（確認しました）
          </label>
        )}
        <label className="followup">
          <input type="checkbox" checked={followUp} onChange={e => setFollowUp(e.target.checked)} />
          あとで、もう一度訪ねる
        </label>
        {followUp && (
          <Field label="いつまでに訪ねますか" error={errors.followUpOn}>
            <input name="followUpOn" type="date" value={followUpOn} onChange={e => setFollowUpOn(e.target.value)} />
          </Field>
        )}
        {/* Fixed to the bottom of the screen: 保存する never needs a scroll. */}
        <div className="save-bar">
          <div className="save-bar-inner">
            {Object.keys(errors).length > 0 && (
              <p className="error" role="alert">
                入力を確かめてください（赤い所）。
              </p>
            )}
            <button className="primary big" type="submit">
              保存する
            </button>
            <a className="button" href={`#/r/${encodeURIComponent(entry.residentId)}`}>
              やめる
            </a>
          </div>
        </div>
      </form>
    </section>
  )
}
