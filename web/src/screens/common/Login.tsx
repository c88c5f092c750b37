// ログイン: the login name (ログイン名) and password; a link to enrol the tablet first. The name is read
// as the server spells it (login-name.ts), whatever width the tablet's keyboard typed it in.
import { useState, useSyncExternalStore } from "react"
import type { Store } from "../../store"
import { messageOf, ApiError } from "../../api"
import { go } from "../../hash"
import { normalizeLogin } from "../../login-name"
import { ErrorLine, Field } from "../../ui"

export function Login({ store }: { store: Store }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const [login, setLogin] = useState(s.me?.login ?? "")
  const [password, setPassword] = useState("")
  const [error, setError] = useState<{ field?: string; message: string }>()
  const [busy, setBusy] = useState(false)
  async function submit(e: React.FormEvent) {
    e.preventDefault()
    const name = normalizeLogin(login)
    setLogin(name) // what is sent is what the field shows
    if (!name) return setError({ field: "login", message: "ログイン名を入れてください。" })
    if (!password) return setError({ field: "password", message: "パスワードを入れてください。" })
    setBusy(true)
    try {
      await store.login(name, password)
      setPassword("")
      go("")
    } catch (err) {
      setError({ field: err instanceof ApiError ? err.field : undefined, message: messageOf(err) })
    } finally {
      setBusy(false)
    }
  }
  return (
    <section>
      <h1>ログイン</h1>
      <form onSubmit={submit} noValidate>
        <Field label="ログイン名" error={error?.field === "login" ? error.message : undefined}>
          {/* Latin letters: an email-style keyboard, no capitals, corrections or spelling marks. */}
          <input
            name="login"
            inputMode="email"
            autoComplete="username"
            autoCapitalize="off"
            autoCorrect="off"
            spellCheck={false}
            value={login}
            onChange={e => setLogin(e.target.value)}
          />
        </Field>
        <Field label="パスワード" error={error?.field === "password" ? error.message : undefined}>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={e => setPassword(e.target.value)}
          />
        </Field>
        <ErrorLine text={error && !error.field ? error.message : undefined} />
        <button className="primary" type="submit" disabled={busy}>
          ログイン
        </button>
      </form>
      <p>
        <a className="text-link" href="#/enrol">
          このタブレットを登録する（市から渡された登録コード）
        </a>
      </p>
    </section>
  )
}
