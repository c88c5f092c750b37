// 新しく見守る方を登録: a person the commissioner noticed in the field (a 心配な世帯 not yet on the
// list). Works offline: the record is made on the tablet and offered to the server at the next sync;
// the district lead approves it, and until then the list marks it 承認待ち.
import { useState } from "react"
import type { Store } from "../../store"
import { KANA, MAX_NOTE_CHARS } from "../../schema"
import { go } from "../../hash"
import { Field } from "../../ui"


export function NewResident({ store }: { store: Store }) {
  const [v, setV] = useState({ name: "", kana: "", address: "", noticed: "" })
  const [errors, setErrors] = useState<Record<string, string>>({})
  function submit(e: React.FormEvent) {
    e.preventDefault()
    const errs: Record<string, string> = {}
    if (!v.name.trim()) errs.name = "氏名を入れてください。"
    else if (v.name.length > 100) errs.name = "氏名は100文字までです。"
    if (!KANA.test(v.kana)) errs.kana = "ふりがなは、ひらがな・カタカナで入れてください。"
    if (v.address.length > 200) errs.address = "住所は200文字までです。"
    if (v.noticed.length > MAX_NOTE_CHARS) errs.noticed = `${MAX_NOTE_CHARS}文字までです。`
    setErrors(errs)
    if (Object.keys(errs).length) return
    if (!store.registerResident(v)) return setErrors({ name: "いまは登録できません。暗証番号を入れ直してください。" })
    go("registered")
  }
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value })
  return (
    <section>
      <h1>新しく見守る方を登録</h1>
      <p className="hint">
        気になる方を見つけたら登録してください。電波がなくても登録できます。地区のリーダーが承認するまで「承認待ち」と表示されます。
      </p>
      <form onSubmit={submit} noValidate autoComplete="off">
        <Field label="氏名" error={errors.name}>
          <input name="name" autoComplete="off" value={v.name} onChange={set("name")} />
        </Field>
        <Field label="ふりがな" error={errors.kana}>
          <input name="kana" autoComplete="off" value={v.kana} onChange={set("kana")} />
        </Field>
        <Field label="住所" error={errors.address}>
          <input name="address" autoComplete="off" value={v.address} onChange={set("address")} />
        </Field>
        <Field label="気づいたこと" error={errors.noticed}>
          <textarea name="noticed" autoComplete="off" value={v.noticed} onChange={set("noticed")} />
        </Field>
        <div className="actions">
          <button className="primary" type="submit">
            登録する
          </button>
          <a className="button" href="#/">
            やめる
          </a>
        </div>
      </form>
    </section>
  )
}
