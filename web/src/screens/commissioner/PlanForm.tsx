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
import { Choice, ErrorLine, Field, Multi } from "../../ui"

/** What the form edits, as one value: the draft keeps it as it is. */
type Fields = Omit<PlanDraft, "v" | "savedAt" | "consent"> & { consent: Consent }

export function PlanForm({ store, entry }: { store: Store; entry: DocEntry }) {
  const now = currentPlan(entry.doc)?.plan
  const residentId = entry.residentId
  const page = `r/${encodeURIComponent(residentId)}`
  // The form as it opens: the current plan, or a first one from the profile's emergency contacts.
  const [opened] = useState<Fields>(() => {
    const fromProfile = (entry.doc?.profile?.emergencyContacts ?? []).map(c => ({ name: str(c), relation: "family", phone: "" }))
    return {
      consent: now?.consent ?? "unknown",
      consentOn: now?.consentOn || dayJst(nowJst()),
      needs: now?.needs ?? [],
      helpers: now?.helpers.length ? now.helpers : fromProfile.length ? fromProfile.slice(0, 5) : [{ name: "", relation: "family", phone: "" }],
      destKind: now?.destination.kind || "designated",
      destName: now?.destination.name ?? "",
      howToReach: now?.howToReach ?? "",
      medicalNote: now?.medicalNote ?? "",
    }
  })
  const [form, setForm] = useState<Fields>(opened)
  const set = (patch: Partial<Fields>) => setForm(f => ({ ...f, ...patch }))
  const { consent, consentOn, needs, helpers, destKind, destName, howToReach, medicalNote } = form
  const [error, setError] = useState<string>()

  // 書きかけの計画: read back once when the form opens; kept once the form differs from how it opened.
  const [draftLoaded, setDraftLoaded] = useState(false)
  const [restored, setRestored] = useState<number>()
  const saved = useRef(false)
  const changed = form !== opened
  const current = useRef(form)
  current.current = form
  useEffect(() => {
    let live = true
    store
      .loadPlanDraft(residentId)
      .then(d => {
        if (!live || !d) return
        // Typed before the draft was read: the typing wins.
        if (current.current !== opened) return
        const { v: _v, savedAt, ...fields } = d
        setForm({
          ...fields,
          consent: (fields.consent || "unknown") as Consent,
          destKind: fields.destKind || "designated",
          helpers: fields.helpers.length ? fields.helpers : opened.helpers,
        })
        setRestored(savedAt)
      })
      .catch(() => {})
      .finally(() => live && setDraftLoaded(true))
    return () => {
      live = false
    }
  }, [store, residentId, opened])
  useEffect(() => {
    if (draftLoaded && changed && !saved.current) void store.savePlanDraft(residentId, { v: 1, savedAt: Date.now(), ...form })
  }, [draftLoaded, changed, form, store, residentId])

  function discardDraft() {
    setForm(opened)
    setRestored(undefined)
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

  const setHelper = (i: number, patch: Partial<Helper>) => set({ helpers: helpers.map((h, j) => (j === i ? { ...h, ...patch } : h)) })
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
        <Choice name="同意" options={CONSENTS} value={consent} onChange={c => set({ consent: c })} />
        {consent !== "unknown" && (
          <Field label="確かめた日">
            <input type="date" name="consentOn" value={consentOn} onChange={e => set({ consentOn: e.target.value })} />
          </Field>
        )}
      </fieldset>
      <fieldset className="group">
        <legend>必要な支援（当てはまるものすべて）</legend>
        <Multi options={NEEDS} value={needs} onChange={n => set({ needs: n })} />
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
          <button type="button" onClick={() => set({ helpers: [...helpers, { name: "", relation: "neighbour", phone: "" }] })}>
            助ける人を足す
          </button>
        )}
      </fieldset>
      <fieldset className="group">
        <legend>避難先</legend>
        <Choice name="避難先" options={DESTINATIONS} value={destKind} onChange={k => set({ destKind: k })} />
        <Field label="避難先の名前">
          <input name="destination" value={destName} maxLength={100} onChange={e => set({ destName: e.target.value })} />
        </Field>
      </fieldset>
      <Field label="行き方・声のかけ方">
        <textarea name="howToReach" rows={3} value={howToReach} onChange={e => set({ howToReach: e.target.value })} />
      </Field>
      <Field label="医療のこと（医療機器・服薬など）">
        <textarea name="medicalNote" rows={2} value={medicalNote} onChange={e => set({ medicalNote: e.target.value })} />
      </Field>
      <ErrorLine text={error} />
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
