// Screens. Hash routes (the enrolment link is `/#/enrol/CODE`, so the code never reaches a server log):
//   #/            わたしの見守り (my residents, overdue first); a district lead's: 今日の確認 (Today.tsx)
//   #/alerts/ID   見守りの注意 (one alert: where its push leads), #/alerts: those 対応済み (lead)
//   #/residents   すべての対象者 (a lead's whole district, with the charts)
//   #/review[/ID] 記録の確認 (lead; of one resident)
//   #/r/ID        対象者 (profile, timeline)
//   #/r/ID/record 記録する
//   #/activities  わたしの活動 (the commissioner's own activity log)
//   #/login, #/enrol/CODE
import { useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from "react"
import { Automerge as A } from "@automerge/automerge-repo/slim"
import { holdsRecords, type Store, type DocEntry } from "./store"
import { api, messageOf, ApiError } from "./api"
import { NoticeDetail, NoticeList, StaffNotices } from "./Notices"
import { Choice, ErrorLine, Field, Group } from "./ui"
import { Activities } from "./Activities"
import { Charts } from "./Charts"
import { Answer, ReviewList, Tasks } from "./Review"
import { AlertHistory, AlertScreen, LeadHome } from "./Today"
import { Devices } from "./Devices"
import { PasswordChange } from "./Password"
import { Overdue, Reports, Snowfall } from "./Reports"
import { sendStatus } from "./pending"
import { FOLLOW_UP_DAYS, addDays, byNeed, needsOf } from "./mine"
import { DEFAULT_FIELDS, isBlank, type RecordDraft } from "./draft"
import {
  CHECK_NAMES,
  CHECK_VALUES,
  CONCERNS,
  CONTENTS,
  FIELDS,
  KINDS,
  MAX_NOTE_CHARS,
  OUTCOMES,
  PROFILE_FIELDS,
  REVIEW_MARKS,
  contactsNewestFirst,
  lastContact,
  type Contact,
  daysSince,
  formatJst,
  label,
  nowJst,
  dayJst,
  monthDayJa,
  str,
  type CheckName,
  type CheckValue,
  type Concern,
  type Kind,
  type Outcome,
  type Profile,
} from "./schema"

function useRoute(): string[] {
  const [hash, setHash] = useState(location.hash)
  useEffect(() => {
    const on = () => setHash(location.hash)
    window.addEventListener("hashchange", on)
    return () => window.removeEventListener("hashchange", on)
  }, [])
  // Every screen opens at its top: a form must never open with its heading (the resident's name)
  // scrolled out of view because the list before it was scrolled.
  useEffect(() => {
    window.scrollTo(0, 0)
  }, [hash])
  return hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent)
}

export function go(path: string) {
  location.hash = "#/" + path
}

export function App({ store }: { store: Store }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const route = useRoute()
  if (!s.booted) return <p className="boot">読み込み中…</p>
  let screen: ReactNode
  if (s.lock === "erased" || s.lock === "revoked" || s.lock === "expired") {
    screen = <Erased why={s.lock} store={store} />
  } else if (route[0] === "enrol") {
    screen = <Enrol initial={route[1] ?? ""} />
  } else if (!s.me || route[0] === "login") {
    screen = <Login store={store} />
  } else if (s.lock !== "open") {
    screen = <Unlock store={store} setup={s.lock === "setup"} />
  } else if (s.me.must_change_password || route[0] === "password") {
    // A temporary password from the administrator is replaced before anything else.
    screen = (
      <PasswordChange
        forced={!!s.me.must_change_password}
        onDone={() => {
          go("password")
          void store.refreshSession()
        }}
      />
    )
  } else if (route[0] === "review" && s.me.role === "district_lead") {
    screen = <ReviewList key={route[1] ?? ""} store={store} residentId={route[1]} />
  } else if (route[0] === "alerts" && s.me.role === "district_lead") {
    screen = route[1] ? <AlertScreen key={route[1]} id={route[1]} /> : <AlertHistory />
  } else if (route[0] === "residents" && s.me.role === "district_lead") {
    screen = (
      <>
        <MyResidents entries={s.docs} me={s.me?.id ?? ""} title="すべての対象者" />
        <Charts />
      </>
    )
  } else if (route[0] === "reports" && s.me.role !== "admin") {
    screen = <Reports />
  } else if (route[0] === "overdue" && s.me.role === "district_lead") {
    screen = <Overdue />
  } else if (route[0] === "activities" && holdsRecords(s.me)) {
    screen = <Activities store={store} />
  } else if (route[0] === "notices") {
    screen = route[1] ? <NoticeDetail store={store} id={route[1]} /> : <NoticeList store={store} />
  } else if (route[0] === "devices" && s.me.role === "admin") {
    screen = <Devices />
  } else if (route[0] === "staff" || s.me.role === "city_staff" || s.me.role === "admin") {
    screen = (
      <>
        <nav className="home-links">
          {s.me.role === "admin" && (
            <a className="button" href="#/devices">
              端末の管理
            </a>
          )}
          {s.me.role === "city_staff" && (
            <a className="button" href="#/reports">
              活動記録（市の集計）
            </a>
          )}
        </nav>
        {s.me.role === "city_staff" && <Charts />}
        {s.me.role === "city_staff" && <Snowfall mark={day => api.markCitySnowfall(day)} scope="全地区" />}
        <StaffNotices />
      </>
    )
  } else if (route[0] === "r" && route[1]) {
    const entry = s.docs.find(d => d.residentId === route[1])
    screen = !entry ? (
      <Missing />
    ) : route[2] === "record" ? (
      <RecordForm store={store} entry={entry} />
    ) : (
      <ResidentPage store={store} entry={entry} saved={route[2] === "saved"} />
    )
  } else if (s.me.role === "district_lead") {
    screen = <LeadHome store={store} />
  } else {
    screen = (
      <>
        <nav className="home-links">
          <a className="button big" href="#/activities">
            わたしの活動を記録（定例会・研修など）
          </a>
          <a className="button big" href="#/reports">
            活動記録（月）
          </a>
        </nav>
        <Tasks store={store} />
        <MyResidents entries={s.docs} me={s.me?.id ?? ""} />
      </>
    )
  }
  return (
    <>
      <StatusBar store={store} />
      <main>{screen}</main>
    </>
  )
}

function StatusBar({ store }: { store: Store }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const last = s.lastSync ? new Date(s.lastSync) : undefined
  // Only what the store knows: before the PIN (or after an erase) nothing, never 送信済み.
  const send = sendStatus({ open: s.lock === "open", pending: s.pending, docs: s.docs, activityKnown: s.activityKnown })
  const sendText =
    send.state === "unsent"
      ? `未送信 ${send.count}件`
      : send.state === "sent"
        ? "送信済み"
        : send.state === "checking"
          ? "送信状況を確認中"
          : s.lock === "locked" || s.lock === "setup"
            ? "送信状況は暗証番号を入れると表示します"
            : "送信状況はわかりません"
  const sendClass = send.state === "unsent" ? "pending some" : send.state === "sent" ? "pending none" : "pending unknown"
  // Office roles (city staff, the administrator) hold no records and do not sync: no sync state.
  const syncs = !s.me || holdsRecords(s.me)
  return (
    // Not a live region as a whole: only the unsent count is announced when it changes.
    <header className="status">
      <a className="home" href="#/">
        見守り
      </a>
      {syncs && s.lock === "open" && (
        // The connection's state exists only once the store is open and syncing.
        <span className={s.online ? "net online" : "net offline"} data-testid="net">
          {s.online ? "オンライン" : "オフライン"}
        </span>
      )}
      {syncs && (
        <>
          <span className={sendClass} data-testid="pending" data-state={send.state} role="status" aria-live="polite">
            {sendText}
          </span>
          <span className="last" data-testid="last-sync">
            {last
              ? `最終同期 ${last.getMonth() + 1}/${last.getDate()} ${String(last.getHours()).padStart(2, "0")}:${String(last.getMinutes()).padStart(2, "0")}`
              : "未同期"}
          </span>
        </>
      )}
      {s.me && (
        <a className="notices-link" href="#/notices" data-testid="notices-link">
          お知らせ
          {s.unreadNotices > 0 && <span className="count">{s.unreadNotices}</span>}
        </a>
      )}
      {s.me && (
        <a className="who" href="#/password" title="パスワードを変える" data-testid="who">
          {s.me.display_name}
        </a>
      )}
      {s.sessionExpired && (
        <a className="expired" href="#/login" data-testid="session-expired">
          記録は端末に保存されています。送信するにはパスワードを入れてください
        </a>
      )}
    </header>
  )
}

const PIN = /^[0-9]{6,12}$/

/** The PIN: chosen once after the first login, asked on every start and after the idle lock. */
function Unlock({ store, setup }: { store: Store; setup: boolean }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const [pin, setPin] = useState("")
  const [again, setAgain] = useState("")
  const [error, setError] = useState<{ field: string; message: string }>()
  const [busy, setBusy] = useState(false)
  async function submit(e: React.FormEvent) {
    e.preventDefault()
    if (!PIN.test(pin)) return setError({ field: "pin", message: "暗証番号は数字6〜12けたです。" })
    if (setup && pin !== again) return setError({ field: "again", message: "1回目と2回目の暗証番号がちがいます。" })
    setBusy(true)
    try {
      if (setup) {
        await store.setupPin(pin)
      } else {
        const r = await store.unlock(pin)
        if (r === "wrong") setError({ field: "pin", message: "暗証番号がちがいます。" })
        if (r === "hardware")
          setError({ field: "pin", message: "この端末の認証（指紋・画面ロック）ができませんでした。もう一度お試しください。" })
        if (r === "offline")
          setError({ field: "pin", message: "この端末ではまだ一度もサーバーにつながっていません。電波のよい所でお試しください。" })
        if (r === "sealed")
          setError({ field: "pin", message: "まだ鍵がかかっています。電波のよい所で、この画面を開き直してください。" })
      }
    } catch (x) {
      setError({ field: "pin", message: messageOf(x) })
    } finally {
      setBusy(false)
      setPin("")
      setAgain("")
    }
  }
  const left = 10 - s.pinFailures
  return (
    <section>
      <h1>{setup ? "暗証番号を決めてください" : "暗証番号を入れてください"}</h1>
      {setup && <p>この端末の記録を守るための数字です（6〜12けた）。開くたびに入れます。</p>}
      {s.sealed ? (
        <div className="error" role="alert" data-testid="sealed">
          <p>
            長い間、市役所のサーバーにつながらなかったため、この端末に鍵をかけました。記録は消えていません（まだ送っていない記録も残っています）。
          </p>
          <p>電波のよい所で開き直すと、暗証番号で開けるようになり、記録が送られます。</p>
          {s.sessionExpired && (
            <a className="button primary" href="#/login">
              パスワードを入れてログインする
            </a>
          )}
        </div>
      ) : (
        s.expiryWarningDays !== undefined && (
          <p className="error" role="alert" data-testid="expiry-warning">
            あと{s.expiryWarningDays}日のうちに、電波のよい所で開いてください。つながらないままだと、この端末に鍵がかかります（記録は消えません。電波のよい所で開けば元どおり使えます）。
          </p>
        )
      )}
      {!setup && left <= 3 && (
        <p className="error" role="alert" data-testid="pin-warning">
          あと{left}回まちがえると、この端末の記録（まだ送っていないものも）が消えます。
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <Field label="暗証番号" error={error?.field === "pin" ? error.message : undefined}>
          <input name="pin" type="password" inputMode="numeric" autoComplete="off" value={pin} onChange={e => setPin(e.target.value)} />
        </Field>
        {setup && (
          <Field label="もう一度" error={error?.field === "again" ? error.message : undefined}>
            <input name="again" type="password" inputMode="numeric" autoComplete="off" value={again} onChange={e => setAgain(e.target.value)} />
          </Field>
        )}
        <button className="primary big" type="submit" disabled={busy}>
          {setup ? "決める" : "開く"}
        </button>
      </form>
    </section>
  )
}

function Erased({ why, store }: { why: "erased" | "revoked" | "expired"; store: Store }) {
  const text = {
    erased: "暗証番号を10回まちがえたため、この端末の記録を消しました。",
    revoked: "この端末は市によって利用停止になったため、記録を消しました。",
    expired: "長い間サーバーにつながらなかったため、この端末の記録を消しました。",
  }[why]
  return (
    <section>
      <h1 data-testid="erased">記録を消しました</h1>
      <p>{text}</p>
      <p>サーバーに送った記録は残っています。</p>
      <button type="button" className="primary" onClick={() => store.acknowledgeErase()}>
        ログインし直す
      </button>
    </section>
  )
}

function Missing() {
  return (
    <section>
      <h1>見つかりません</h1>
      <p>この方の記録はこの端末にありません。</p>
      <a className="button" href="#/">
        一覧へ戻る
      </a>
    </section>
  )
}

function Login({ store }: { store: Store }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const [login, setLogin] = useState(s.me?.login ?? "")
  const [password, setPassword] = useState("")
  const [error, setError] = useState<{ field?: string; message: string }>()
  const [busy, setBusy] = useState(false)
  async function submit(e: React.FormEvent) {
    e.preventDefault()
    if (!login.trim()) return setError({ field: "login", message: "ログインIDを入れてください。" })
    if (!password) return setError({ field: "password", message: "パスワードを入れてください。" })
    setBusy(true)
    try {
      await store.login(login.trim(), password)
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
        <Field label="ログインID" error={error?.field === "login" ? error.message : undefined}>
          <input
            name="login"
            autoComplete="username"
            autoCapitalize="none"
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
        <a href="#/enrol">この端末を登録する（市から渡された登録コード）</a>
      </p>
    </section>
  )
}

function Enrol({ initial }: { initial: string }) {
  const [code, setCode] = useState(initial)
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<string>()
  async function submit(e: React.FormEvent) {
    e.preventDefault()
    if (!code.trim()) return setError("登録コードを入れてください。")
    try {
      const { api } = await import("./api")
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
        <h1>端末を登録しました</h1>
        <p>この端末は「{done}」として登録されました。</p>
        <a className="button primary" href="#/login">
          ログインへ進む
        </a>
      </section>
    )
  return (
    <section>
      <h1>端末登録</h1>
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


/** Days past the contact interval (negative: not due yet; undefined: never contacted). */
function overdueBy(e: DocEntry, last: Contact | undefined): number | undefined {
  const days = daysSince(last ? str(last.occurredAt) : undefined)
  return days === undefined ? undefined : days - e.intervalDays
}

function MyResidents({ entries, me, title = "わたしの見守り" }: { entries: DocEntry[]; me: string; title?: string }) {
  const [q, setQ] = useState("")
  const rows = useMemo(() => {
    const needle = q.trim()
    return entries
      .filter(e => e.doc)
      .filter(e => !needle || str(e.doc!.profile?.name).includes(needle) || str(e.doc!.profile?.kana).includes(needle))
      .map(e => {
        const last = lastContact(e.doc)
        return { e, last, over: overdueBy(e, last), needs: needsOf(e.doc, me) }
      })
      // What needs the commissioner first (in words on each row), then the most overdue.
      .sort(
        (a, b) =>
          byNeed(a.needs, b.needs) ||
          (b.over ?? Infinity) - (a.over ?? Infinity) ||
          str(a.e.doc!.profile?.kana).localeCompare(str(b.e.doc!.profile?.kana), "ja"),
      )
  }, [entries, q, me])
  const needing = rows.filter(r => r.needs.length > 0).length
  const loading = entries.filter(e => !e.doc && !e.unavailable).length
  return (
    <section>
      <h1>{title}</h1>
      <label className="field search">
        <span className="label">名前・ふりがなで探す</span>
        <input name="search" type="search" autoComplete="off" value={q} onChange={e => setQ(e.target.value)} />
      </label>
      {loading > 0 && <p className="hint">{loading}人分を読み込み中…</p>}
      {rows.length === 0 && loading === 0 && <p className="hint">表示する方がいません。</p>}
      {needing > 0 && (
        <p className="needs-summary" data-testid="needs-summary">
          対応が必要な方が{needing}人います（上から順に）。
        </p>
      )}
      <ul className="residents">
        {rows.map(({ e, last, over, needs }) => {
          const p = e.doc!.profile
          return (
            <li key={e.url} className={over === undefined || over > 0 ? "resident overdue" : "resident"} data-testid="resident">
              <a className="who" href={`#/r/${encodeURIComponent(e.residentId)}`}>
                <span className="name">{str(p?.name)}</span>
                <span className="kana">{str(p?.kana)}</span>
                <span className="last">
                  {last ? `前回 ${formatJst(str(last.occurredAt))}（${label(KINDS, str(last.kind))}）` : "記録なし"}
                </span>
                {over === undefined ? (
                  <span className="badge warn">まだ連絡していません</span>
                ) : over > 0 ? (
                  <span className="badge warn">予定より{over}日おくれ</span>
                ) : null}
                {last && str(last.concern) !== "none" && (
                  <span className={`badge concern-${str(last.concern)}`}>{label(CONCERNS, str(last.concern))}</span>
                )}
                {(e.pendingContacts.length > 0 || e.pendingEdit) && <span className="badge unsent">未送信</span>}
                {needs
                  .filter(n => n.kind !== "urgent" && n.kind !== "watch") // the concern badge says these
                  .map(n => (
                    <span key={n.kind} className={`need need-${n.kind}`} data-testid="need">
                      {n.words}
                    </span>
                  ))}
              </a>
              <a className="button record" href={`#/r/${encodeURIComponent(e.residentId)}/record`}>
                記録する
              </a>
            </li>
          )
        })}
      </ul>
    </section>
  )
}

function ResidentPage({ store, entry, saved }: { store: Store; entry: DocEntry; saved?: boolean }) {
  const [editing, setEditing] = useState(false)
  const doc = entry.doc
  if (!doc) return <p className="hint">読み込み中…</p>
  const p = doc.profile
  return (
    <section>
      {saved && (
        <p className="saved" role="status" data-testid="saved">
          保存しました。{entry.pendingContacts.length > 0 ? "電波のよい所で市役所に送られます。" : ""}
        </p>
      )}
      <h1 data-testid="resident-name">{str(p?.name)}</h1>
      <p className="kana">{str(p?.kana)}</p>
      <a className="button primary big" href={`#/r/${encodeURIComponent(entry.residentId)}/record`}>
        記録する
      </a>
      <h2>基本情報</h2>
      {editing ? (
        <ProfileForm store={store} entry={entry} done={() => setEditing(false)} />
      ) : (
        <>
          <dl className="profile">
            {PROFILE_FIELDS.map(([k, l]) => (
              <div key={k}>
                <dt>{l}</dt>
                <dd data-testid={`profile-${k}`}>{str(p?.[k]) || "—"}</dd>
              </div>
            ))}
          </dl>
          <button type="button" onClick={() => setEditing(true)}>
            基本情報を直す
          </button>
        </>
      )}
      <h2>記録（新しい順）</h2>
      <Timeline entry={entry} store={store} />
    </section>
  )
}

const PHONE = /^[0-9０-９\-‐－()（） ]*$/
const KANA = /^[\p{scx=Hiragana}\p{scx=Katakana}ー・\s　]*$/u

function ProfileForm({ store, entry, done }: { store: Store; entry: DocEntry; done: () => void }) {
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

function Timeline({ entry, store }: { entry: DocEntry; store: Store }) {
  const me = useSyncExternalStore(store.subscribe, store.get).me
  const contacts = contactsNewestFirst(entry.doc)
  if (contacts.length === 0) return <p className="hint">まだ記録がありません。</p>
  return (
    <ol className="timeline">
      {contacts.map(c => {
        const review = entry.doc!.reviews?.[str(c.id)]
        const concerns = CHECK_NAMES.filter(([k]) => str(c.checks?.[k]) === "concern").map(([, l]) => l)
        const unknown = CHECK_NAMES.filter(([k]) => str(c.checks?.[k]) === "unknown").map(([, l]) => l)
        return (
          <li key={str(c.id)} className="contact" data-testid="contact">
            <div className="when">
              {formatJst(str(c.occurredAt))} {label(KINDS, str(c.kind))}・{label(OUTCOMES, str(c.outcome))}
              {entry.pendingContacts.includes(str(c.id)) && <span className="badge unsent">未送信</span>}
            </div>
            {concerns.length > 0 && <div className="checks concern">気になる: {concerns.join("、")}</div>}
            {unknown.length > 0 && <div className="checks">確認できず: {unknown.join("、")}</div>}
            {str(c.concern) !== "none" && (
              <div className={`badge concern-${str(c.concern)}`}>{label(CONCERNS, str(c.concern))}</div>
            )}
            {str(c.note) && <p className="note">{str(c.note)}</p>}
            {c.followUp === true && (
              <div className="checks">
                もう一度訪ねる{str(c.followUpOn) ? `（${monthDayJa(str(c.followUpOn))}まで）` : ""}
              </div>
            )}
            {review && (
              <div className={`review review-${str(review.mark)}`} data-testid="review">
                地区の確認: {label(REVIEW_MARKS, str(review.mark))}
                {str(review.comment) && `「${str(review.comment)}」`}
              </div>
            )}
            {review && ["check", "return"].includes(str(review.mark)) && me && str(c.authorId) === me.id && (
              <Answer store={store} entry={entry} contactId={str(c.id)} />
            )}
          </li>
        )
      })}
    </ol>
  )
}

/** `2026-11-23T10:05` in Japan time, for a datetime-local input. */
function localInputValue(d = new Date()): string {
  return nowJst(d).slice(0, 16)
}

function Multi({ options, value, onChange }: { options: string[]; value: string[]; onChange: (v: string[]) => void }) {
  return (
    <div className="choices multi">
      {options.map(o => (
        <button
          type="button"
          key={o}
          role="checkbox"
          aria-checked={value.includes(o)}
          className={value.includes(o) ? "choice on" : "choice"}
          onClick={() => onChange(value.includes(o) ? value.filter(x => x !== o) : [...value, o])}
        >
          {o}
        </button>
      ))}
    </div>
  )
}

function RecordForm({ store, entry }: { store: Store; entry: DocEntry }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const [opened] = useState(localInputValue)
  const [when, setWhen] = useState(opened)
  const [kind, setKind] = useState<Kind>()
  const [outcome, setOutcome] = useState<Outcome>()
  const [checks, setChecks] = useState<Partial<Record<CheckName, CheckValue>>>({})
  const [concern, setConcern] = useState<Concern>("none")
  const [fields, setFields] = useState<string[]>(DEFAULT_FIELDS)
  const [contents, setContents] = useState<string[]>([])
  const [note, setNote] = useState("")
  const [followUp, setFollowUp] = useState(false)
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
    fields,
    contents,
    note,
    followUp,
    followUpOn: followUp ? followUpOn : undefined,
  }
  const draftJson = JSON.stringify({ ...draft, savedAt: 0 })
  useEffect(() => {
    if (!draftLoaded) {
      if (!isBlank(draft)) touched.current = true
      return
    }
    if (!saved.current) void store.saveDraft(residentId, { ...(JSON.parse(draftJson) as RecordDraft), savedAt: Date.now() })
    // `draft` itself is new on every render; `draftJson` is what it holds.
  }, [draftLoaded, draftJson, store, residentId])

  function discardDraft() {
    setWhen(opened)
    setKind(undefined)
    setOutcome(undefined)
    setChecks({})
    setConcern("none")
    setFields(DEFAULT_FIELDS)
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
    if (!outcome) errs.outcome = "結果（会えた・不在など）を選んでください。"
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(when)) errs.when = "日時を入れてください。"
    else if (Date.parse(when + ":00+09:00") > Date.now() + 5 * 60_000) errs.when = "これから先の日時は記録できません。"
    if (note.length > MAX_NOTE_CHARS) errs.note = `メモは${MAX_NOTE_CHARS}文字までです（いま${note.length}文字）。`
    if (followUp && !/^\d{4}-\d{2}-\d{2}$/.test(followUpOn)) errs.followUpOn = "もう一度訪ねる日を入れてください。"
    setErrors(errs)
    if (Object.keys(errs).length) return
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
        outcome: I(outcome!),
        checks: allChecks,
        concern: I(concern),
        activity: { fields: fields.map(I), contents: contents.map(I) },
        note: I(note.trim()),
        followUp,
        ...(followUp ? { followUpOn: I(followUpOn) } : {}),
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
        <Group title="結果" error={errors.outcome} testid="outcome">
          <Choice name="結果" options={OUTCOMES} value={outcome} onChange={setOutcome} />
        </Group>
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
        <Group title="活動記録の分野" testid="fields">
          <Multi options={FIELDS} value={fields} onChange={setFields} />
        </Group>
        <Group title="相談・支援の内容（あれば）" testid="contents">
          <Multi options={CONTENTS} value={contents} onChange={setContents} />
        </Group>
        <Field label="メモ" error={errors.note}>
          <textarea name="note" autoComplete="off" value={note} onChange={e => setNote(e.target.value)} />
        </Field>
        <label className="followup">
          <input type="checkbox" checked={followUp} onChange={e => setFollowUp(e.target.checked)} />
          あとで、もう一度訪ねる
        </label>
        {followUp && (
          <Field label="いつまでに訪ねますか" error={errors.followUpOn}>
            <input name="followUpOn" type="date" value={followUpOn} onChange={e => setFollowUpOn(e.target.value)} />
          </Field>
        )}
        {Object.keys(errors).length > 0 && (
          <p className="error" role="alert">
            入力を確かめてください（赤い所）。
          </p>
        )}
        <div className="actions">
          <button className="primary big" type="submit">
            保存する
          </button>
          <a className="button" href={`#/r/${encodeURIComponent(entry.residentId)}`}>
            やめる
          </a>
        </div>
      </form>
    </section>
  )
}

