// The app's frame: the status bar over one screen. Before the route table (routes.tsx) come the
// tablet's own states, in this order: an erased tablet, タブレットの登録 (#/enrol), ログイン (#/login, or nobody
// logged in), the PIN (the store not open), a password change (#/password, or one the server asks for).
// On the home of those who keep records, the once-only question about notifications (NotifyQuestion).
import { useSyncExternalStore, type ReactNode } from "react"
import { holdsRecords, type State, type Store } from "./store"
import { go, useRoute } from "./hash"
import { screenFor, showsHome } from "./routes"
import { DisasterBand } from "./screens/common/DisasterBand"
import { Enrol } from "./screens/common/Enrol"
import { Erased } from "./screens/common/Erased"
import { Login } from "./screens/common/Login"
import { NotifyQuestion } from "./screens/common/NotifyQuestion"
import { PasswordChange } from "./screens/common/Password"
import { StatusBar } from "./screens/common/StatusBar"
import { UpdateBar } from "./screens/common/UpdateBar"
import { Unlock } from "./screens/common/Unlock"

export function App({ store }: { store: Store }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const route = useRoute()
  if (!s.booted) return <p className="boot">読み込み中…</p>
  return (
    <>
      <StatusBar store={store} />
      <UpdateBar store={store} ready={!!s.updateReady} required={!!s.updateRequired} />
      {s.me && s.lock === "open" && <DisasterBand disasters={s.me.disasters ?? []} role={s.me.role} />}
      <main>{screen(store, s, route)}</main>
    </>
  )
}

function screen(store: Store, s: State, route: string[]): ReactNode {
  if (s.lock === "erased" || s.lock === "revoked" || s.lock === "expired") return <Erased why={s.lock} store={store} />
  if (route[0] === "enrol") return <Enrol initial={route[1] ?? ""} />
  if (!s.me || route[0] === "login") return <Login store={store} />
  if (s.lock !== "open") return <Unlock store={store} setup={s.lock === "setup"} />
  if (s.me.must_change_password || route[0] === "password") {
    // A temporary password from the administrator is replaced before anything else.
    return (
      <PasswordChange
        forced={!!s.me.must_change_password}
        onDone={() => {
          go("password")
          void store.refreshSession()
        }}
      />
    )
  }
  return (
    <>
      {holdsRecords(s.me) && showsHome(route, s.me.role) && <NotifyQuestion store={store} />}
      {screenFor(route, { store, s, me: s.me })}
    </>
  )
}
