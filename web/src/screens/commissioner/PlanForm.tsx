// 個別避難計画を作る・直す (#/r/:id/plan): consent (with the day), what is needed, who helps, where to
// go, how to reach them. Saving writes a new revision based on the current one (never an edit: the
// server counts each as its author wrote it). A first plan starts from the profile's emergency
// contacts. Saved on the tablet at once, sent when there is signal. What is typed is kept as it is
// typed (書きかけの計画, in the encrypted store like a record's draft): an idle lock, a reload or a
// dead battery while the plan is talked through at the door loses nothing.
import { useEffect, useRef, useState } from "react"
import type { DocEntry, Store } from "../../store"
import { CONSENTS, DESTINATIONS, NEEDS, RELATIONS, currentPlan, type Consent, type Helper } from "../../evacuation"
import { dayJst, formatMs, nowJst, str } from "../../schema"
import type { PlanDraft } from "../../draft"
import { go } from "../../hash"
import { Choice, Field } from "../../ui"

export function PlanForm({ store, entry }: { store: Store; entry: DocEntry }) {
  const now = currentPlan(entry.doc)?.plan
  const fromProfile = (entry.doc?.profile?.emergencyContacts ?? []).map(c => ({ name: str(c), relation: "family", phone: "" }))
  const [consent, setConsent] = useState<Consent>(now?.consent ?? "unknown")
  const [consentOn, setConsentOn] = useState(now?.consentOn || dayJst(nowJst()))
  const [needs, setNeeds] = useState<string[]>(now?.needs ?? [])
  const [helpers, setHelpers] = useState<Helper[]>(now?.helpers.length ? now.helpers : fromProfile.length ? fromProfile.slice(0, 5) : [{ name: "", relation: "family", phone: "" }])
  const [destKind, setDestKind] = useState(now?.destination.kind || "designated")
  const [destName, setDestName] = useState(now?.destination.name ?? "")
  const [howToReach, setHowToReach] = useState(now?.howToReach ?? "")
  const [medicalNote, setMedicalNote] = useState(now?.medicalNote ?? "")
  const [error, setError] = useState<string>()
  const page = `r/${encodeURIComponent(entry.residentId)}`
  const residentId = entry.residentId

  // 書きかけの計画: read back once when the form opens; kept once something was changed.
  const [draftLoaded, setDraftLoaded] = useState(false)
  const [restored, setRestored] = useState<number>()
  const saved = useRef(false)
  const form = { consent, consentOn, needs, helpers, destKind, destName, howToReach, medicalNote }
  const formJson = JSON.stringify(form)
  const opened = useRef(formJson) // the form as it opened: no draft until it differs
  const changed = useRef(false)
  useEffect(() => {
    let live = true
    store
      .loadPlanDraft(residentId)
      .then(d => {
        // Typed before the draft was read: the typing wins.
        if (!live || !d || changed.current) return
        setConsent((d.consent || "unknown") as Consent)
        setConsentOn(d.consentOn)
        setNeeds(d.needs)
        if (d.helpers.length) setHelpers(d.helpers)
        setDestKind(d.destKind || "designated")
        setDestName(d.destName)
        setHowToReach(d.howToReach)
        setMedicalNote(d.medicalNote)
        setRestored(d.savedAt)
      })
      .catch(() => {})
      .finally(() => live && setDraftLoaded(true))
    return () => {
      live = false
    }
  }, [store, residentId])
  useEffect(() => {
    if (formJson !== opened.current) changed.current = true
    if (!draftLoaded || saved.current || !changed.current) return
    const typed = JSON.parse(formJson) as Omit<PlanDraft, "v" | "savedAt">
    void store.savePlanDraft(residentId, { v: 1, savedAt: Date.now(), ...typed })
  }, [draftLoaded, formJson, store, residentId])

  function discardDraft() {
    const first = JSON.parse(opened.current) as typeof form
    setConsent(first.consent)
    setConsentOn(first.consentOn)
    setNeeds(first.needs)
    setHelpers(first.helpers)
    setDestKind(first.destKind)
    setDestName(first.destName)
    setHowToReach(first.howToReach)
    setMedicalNote(first.medicalNote)
    setRestored(undefined)
    changed.current = false
    void store.discardPlanDraft(residentId)
  }

  function save() {
    if (consent !== "unknown" && !/^\d{4}-\d{2}-\d{2}$/.test(consentOn)) return setError("同意を確かめた日を入れてください。")
    if (helpers.some(h => h.name.length > 100 || h.phone.length > 30)) return setError("助ける人の名前は100文字、電話は30文字までです。")
    const ok = store.savePlan(entry, {
      basedOn: now?.id ?? "",
      consent,
      consentOn,
      needs,
      helpers: helpers.slice(0, 5),
      destination: { kind: destKind, name: destName },
      howToReach,
      medicalNote,
      note: "",
    })
    if (!ok) return setError("保存できませんでした。もう一度お試しください。")
    saved.current = true
    void store.discardPlanDraft(residentId)
    go(`${page}/saved`)
  }

  const setHelper = (i: number, patch: Partial<Helper>) => setHelpers(helpers.map((h, j) => (j === i ? { ...h, ...patch } : h)))
  return (
    <section className="plan-form" data-draft={draftLoaded ? "read" : "reading"}>
      <h1>個別避難計画：{str(entry.doc?.profile?.name)}</h1>
      {restored !== undefined && (
        <p className="saved" role="status" data-testid="plan-draft-restored">
          書きかけの計画を戻しました（{formatMs(restored)}に書いたもの）。{" "}
          <button type="button" onClick={discardDraft}>
            書きかけを捨てる
          </button>
        </p>
      )}
      <fieldset className="group">
        <legend>本人の同意</legend>
        <Choice name="同意" options={CONSENTS} value={consent} onChange={setConsent} />
        {consent !== "unknown" && (
          <Field label="確かめた日">
            <input type="date" name="consentOn" value={consentOn} onChange={e => setConsentOn(e.target.value)} />
          </Field>
        )}
      </fieldset>
      <fieldset className="group">
        <legend>必要な支援（当てはまるものすべて）</legend>
        <div className="choices multi">
          {NEEDS.map(([k, l]) => (
            <button
              type="button"
              key={k}
              role="checkbox"
              aria-checked={needs.includes(k)}
              className={needs.includes(k) ? "choice on" : "choice"}
              onClick={() => setNeeds(needs.includes(k) ? needs.filter(n => n !== k) : [...needs, k])}
            >
              {l}
            </button>
          ))}
        </div>
      </fieldset>
      <fieldset className="group">
        <legend>避難を助ける人（5人まで）</legend>
        {helpers.map((h, i) => (
          <div key={i} className="helper-row">
            <Field label={`${i + 1}人目の名前`}>
              <input value={h.name} maxLength={100} onChange={e => setHelper(i, { name: e.target.value })} />
            </Field>
            <Field label="関係">
              <select value={h.relation} onChange={e => setHelper(i, { relation: e.target.value })}>
                {RELATIONS.map(([k, l]) => (
                  <option key={k} value={k}>
                    {l}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="電話">
              <input type="tel" value={h.phone} maxLength={30} onChange={e => setHelper(i, { phone: e.target.value })} />
            </Field>
          </div>
        ))}
        {helpers.length < 5 && (
          <button type="button" onClick={() => setHelpers([...helpers, { name: "", relation: "neighbour", phone: "" }])}>
            助ける人を足す
          </button>
        )}
      </fieldset>
      <fieldset className="group">
        <legend>避難先</legend>
        <Choice name="避難先" options={DESTINATIONS} value={destKind} onChange={setDestKind} />
        <Field label="避難先の名前">
          <input name="destination" value={destName} maxLength={100} onChange={e => setDestName(e.target.value)} />
        </Field>
      </fieldset>
      <Field label="行き方・声のかけ方">
        <textarea name="howToReach" rows={3} value={howToReach} onChange={e => setHowToReach(e.target.value)} />
      </Field>
      <Field label="医療のこと（医療機器・服薬など）">
        <textarea name="medicalNote" rows={2} value={medicalNote} onChange={e => setMedicalNote(e.target.value)} />
      </Field>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="primary big" onClick={save}>
          保存する
        </button>
        <a className="button" href={`#/${page}`}>
          やめる
        </a>
      </div>
    </section>
  )
}
