// パスワードを変える: a user's own password change. Shown by itself after a login with a temporary
// password from the administrator (the server says must_change_password), and from the home screen
// of the office roles. The server checks the current password (throttled like a login) and ends the
// user's other sessions.
import { useState } from "react"
import { ApiError, api } from "../../api"
import { ErrorLine, Field } from "../../ui"

export function PasswordChange({ forced, onDone }: { forced: boolean; onDone: () => void }) {
  const [current, setCurrent] = useState("")
  const [next, setNext] = useState("")
  const [again, setAgain] = useState("")
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [busy, setBusy] = useState(false)
  const [done, setDone] = useState(false)

  async function submit(e: React.FormEvent) {
    e.preventDefault()
    const errs: Record<string, string> = {}
    if (!current) errs.current_password = "今のパスワードを入れてください。"
    if ([...next].length < 10) errs.new_password = "新しいパスワードは10文字以上にしてください。"
    else if (next !== again) errs.again = "1回目と2回目がちがいます。"
    setErrors(errs)
    if (Object.keys(errs).length) return
    setBusy(true)
    try {
      await api.changePassword(current, next)
      setDone(true)
      onDone()
    } catch (x) {
      if (x instanceof ApiError && x.field) setErrors({ [x.field]: x.message })
      else setErrors({ form: x instanceof Error ? x.message : String(x) })
    } finally {
      setBusy(false)
      setCurrent("")
      setNext("")
      setAgain("")
    }
  }

  if (done)
    return (
      <section>
        <h1>パスワードを変えました</h1>
        <p role="status" data-testid="password-changed">
          新しいパスワードは次のログインから使います。ほかのタブレットやパソコンでは、もう一度ログインが必要です。
        </p>
        <a className="button primary" href="#/">
          はじめの画面へ
        </a>
      </section>
    )
  return (
    <section>
      <h1>パスワードを変える</h1>
      {forced && (
        <p className="error" role="alert" data-testid="password-forced">
          管理者が決めた仮のパスワードでログインしています。自分だけが知っているパスワードに変えてください。
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <Field label={forced ? "仮のパスワード（管理者から聞いたもの）" : "今のパスワード"} error={errors.current_password}>
          <input
            name="current"
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={e => setCurrent(e.target.value)}
          />
        </Field>
        <Field label="新しいパスワード（10文字以上）" error={errors.new_password}>
          <input name="new" type="password" autoComplete="new-password" value={next} onChange={e => setNext(e.target.value)} />
        </Field>
        <Field label="新しいパスワード（もう一度）" error={errors.again}>
          <input name="again" type="password" autoComplete="new-password" value={again} onChange={e => setAgain(e.target.value)} />
        </Field>
        <ErrorLine text={errors.form} />
        <button className="primary big" type="submit" disabled={busy}>
          変える
        </button>
      </form>
    </section>
  )
}
