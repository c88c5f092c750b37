// タブレットの登録 (端末登録): the tablet enrols itself with the code the city gave (`#/enrol/CODE` fills it in).
import { useState } from "react"
import { api, messageOf } from "../../api"
import { Field } from "../../ui"

export function Enrol({ initial }: { initial: string }) {
  const [code, setCode] = useState(initial)
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<string>()
  async function submit(e: React.FormEvent) {
    e.preventDefault()
    if (!code.trim()) return setError("登録コードを入れてください。")
    try {
      const d = await api.enrol(code.trim())
      setDone(d.label)
      setError(undefined)
    } catch (err) {
      setError(messageOf(err))
    }
  }
  if (done)
    return (
      <section>
        <h1>タブレットを登録しました</h1>
        <p>このタブレットは「{done}」として登録されました。</p>
        <a className="button primary" href="#/login">
          ログインへ進む
        </a>
      </section>
    )
  return (
    <section>
      <h1>タブレットの登録</h1>
      <form onSubmit={submit} noValidate>
        <Field label="登録コード（例: ABCD-EFGH-JKLM）" error={error}>
          <input name="code" autoCapitalize="characters" value={code} onChange={e => setCode(e.target.value)} />
        </Field>
        <button className="primary" type="submit">
          登録する
        </button>
      </form>
    </section>
  )
}
