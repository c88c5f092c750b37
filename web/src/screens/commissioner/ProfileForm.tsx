// 基本情報を直す: a resident's profile, checked field by field and written into the resident's
// document (synced like every record).
import { useState } from "react"
import { Automerge as A } from "@automerge/automerge-repo/slim"
import type { DocEntry, Store } from "../../store"
import { KANA, MAX_NOTE_CHARS, PROFILE_FIELDS, str, type Profile } from "../../schema"
import { Field } from "../../ui"

const PHONE = /^[0-9０-９\-‐－()（） ]*$/

export function ProfileForm({ store, entry, done }: { store: Store; entry: DocEntry; done: () => void }) {
  const p = entry.doc!.profile
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(PROFILE_FIELDS.map(([k]) => [k, str(p?.[k])])),
  )
  const [errors, setErrors] = useState<Record<string, string>>({})
  function submit(e: React.FormEvent) {
    e.preventDefault()
    const errs: Record<string, string> = {}
    if (!values.name.trim()) errs.name = "氏名は空にできません。"
    if (values.name.length > 100) errs.name = "氏名は100文字までです。"
    if (!KANA.test(values.kana)) errs.kana = "ふりがなは、ひらがな・カタカナで入れてください。"
    if (!PHONE.test(values.phone)) errs.phone = "電話番号は数字とハイフンで入れてください。"
    if (values.address.length > 200) errs.address = "住所は200文字までです。"
    if (values.notes.length > MAX_NOTE_CHARS) errs.notes = `メモは${MAX_NOTE_CHARS}文字までです。`
    setErrors(errs)
    if (Object.keys(errs).length) return
    const handle = store.handle(entry.url)
    if (!handle) return
    store.change(handle, d => {
      for (const [k] of PROFILE_FIELDS) {
        const v = values[k].trim()
        if (v !== str(d.profile[k as keyof Profile])) {
          ;(d.profile as unknown as Record<string, unknown>)[k] = new A.ImmutableString(v)
        }
      }
    })
    done()
  }
  return (
    <form onSubmit={submit} noValidate className="profile-form" autoComplete="off">
      {PROFILE_FIELDS.map(([k, l]) => (
        <Field key={k} label={l} error={errors[k]}>
          {k === "notes" ? (
            <textarea name={k} autoComplete="off" value={values[k]} onChange={e => setValues({ ...values, [k]: e.target.value })} />
          ) : (
            <input name={k} autoComplete="off" value={values[k]} onChange={e => setValues({ ...values, [k]: e.target.value })} />
          )}
        </Field>
      ))}
      <div className="actions">
        <button className="primary" type="submit">
          保存する
        </button>
        <button type="button" onClick={done}>
          やめる
        </button>
      </div>
    </form>
  )
}
