// 人（利用者）: everyone who logs in — 民生委員, 地区の会長, 市の職員, 管理者 — with role, district, term
// (任期), the tablets they logged in on (the server's sessions: each tablet's last check-in), their
// last login, and whether they may log in (有効 / 停止中). Searchable by name
// or login name, 50 at a time. The administrator's actions, each confirmed first: パスワードの再発行
// (the temporary password is shown this once, to be handed over in person), 利用停止 / 再開, and
// 役割・地区の変更 (a commissioner who becomes 会長, a move to another district: at once, no new login).
// City staff read the same list, without the 操作 column (the server refuses them every change).
import { Fragment, useCallback, useEffect, useMemo, useState } from "react"
import { adminApi, messageOf, type AdminUserOut, type DistrictOut, type Me, type Role } from "../../api"
import { formatMs } from "../../schema"
import { ErrorLine, Field } from "../../ui"
import { makesChanges, matches, pageOf, ROLE_WORDS, termWords } from "./lists"
import { Pager, ReadOnly, RowPanel } from "./Pager"

type Action = "reset" | "disable" | "enable" | "role"

const ACTION_TITLE: Record<Action, string> = {
  reset: "パスワードの再発行",
  disable: "利用停止",
  enable: "利用の再開",
  role: "役割・地区の変更",
}

export function People({ me }: { me: Me }) {
  const admin = makesChanges(me.role)
  const columns = admin ? 9 : 8
  const [users, setUsers] = useState<AdminUserOut[]>()
  const [districts, setDistricts] = useState<DistrictOut[]>([])
  const [error, setError] = useState<string>()
  const [query, setQuery] = useState("")
  const [role, setRole] = useState<Role | "">("")
  const [state, setState] = useState<"" | "active" | "disabled">("")
  const [page, setPage] = useState(0)
  /** The row whose panel is open, and what it asks or shows. */
  const [open, setOpen] = useState<{ id: string; action: Action; password?: string; sessions?: number }>()
  const [busy, setBusy] = useState(false)
  const [done, setDone] = useState<string>()

  const load = useCallback(() => {
    adminApi.users().then(setUsers, e => setError(messageOf(e)))
    adminApi.districts().then(setDistricts, e => setError(messageOf(e)))
  }, [])
  useEffect(load, [load])

  const districtName = useMemo(() => new Map(districts.map(d => [d.id, d.name])), [districts])
  const shown = useMemo(
    () =>
      (users ?? []).filter(
        u =>
          matches(query, u.display_name, u.login) &&
          (role === "" || u.role === role) &&
          (state === "" || (state === "disabled") === u.disabled),
      ),
    [users, query, role, state],
  )
  const p = pageOf(shown, page)

  async function act(u: AdminUserOut, action: Exclude<Action, "role">) {
    setBusy(true)
    setError(undefined)
    try {
      if (action === "reset") {
        const r = await adminApi.resetPassword(u.id)
        setOpen({ id: u.id, action, password: r.temporary_password, sessions: r.sessions })
      } else {
        await (action === "disable" ? adminApi.disableUser(u.id) : adminApi.enableUser(u.id))
        setOpen(undefined)
        setDone(`${u.display_name}（${u.login}）の${action === "disable" ? "利用を停止しました" : "利用を再開しました"}。`)
      }
      setUsers(await adminApi.users())
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setBusy(false)
    }
  }

  async function changeRole(u: AdminUserOut, change: { role: Role; district_id?: string }) {
    setBusy(true)
    setError(undefined)
    try {
      const after = await adminApi.changeRole(u.id, change)
      // The list first, so that the line saying it is done never shows beside the old row.
      setUsers(await adminApi.users())
      setOpen(undefined)
      const where = after.district_id ? `（${districtName.get(after.district_id) ?? after.district_id}）` : ""
      setDone(`${u.display_name}（${u.login}）を${ROLE_WORDS[after.role] ?? after.role}${where}にしました。ログインし直す必要はありません。`)
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setBusy(false)
    }
  }

  const filter = <T,>(set: (v: T) => void) => (v: T) => {
    set(v)
    setPage(0)
  }

  return (
    <section className="staff-list people">
      <h1>人（利用者）</h1>
      <p className="hint">
        民生委員・地区の会長・市の職員・管理者の一覧です。タブレットは本人がログインした端末で、かっこ内はその端末が最後にサーバーとつながった時刻です。
      </p>
      {!admin && <ReadOnly changes="パスワードの再発行や利用の停止・再開" />}
      <div className="filters">
        <Field label="名前・ログイン名で探す">
          <input type="search" name="q" value={query} onChange={e => filter(setQuery)(e.target.value)} />
        </Field>
        <Field label="役割">
          <select name="role" value={role} onChange={e => filter(setRole)(e.target.value as Role | "")}>
            <option value="">すべて</option>
            {(Object.keys(ROLE_WORDS) as Role[]).map(r => (
              <option key={r} value={r}>
                {ROLE_WORDS[r]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="状態">
          <select name="state" value={state} onChange={e => filter(setState)(e.target.value as "" | "active" | "disabled")}>
            <option value="">すべて</option>
            <option value="active">有効</option>
            <option value="disabled">停止中</option>
          </select>
        </Field>
      </div>
      <ErrorLine text={error} />
      {done && (
        <p className="saved" role="status" data-testid="people-done">
          {done}
        </p>
      )}
      {!users ? (
        <p className="hint">読み込み中…</p>
      ) : (
        <>
          <p data-testid="count">
            {users.length}人中 {shown.length}人
          </p>
          <table className="data list-table" data-testid="people">
            <thead>
              <tr>
                <th>氏名</th>
                <th>ログイン名</th>
                <th>役割</th>
                <th>地区</th>
                <th>任期</th>
                <th>タブレット</th>
                <th>最後のログイン</th>
                <th>状態</th>
                {admin && <th>操作</th>}
              </tr>
            </thead>
            <tbody>
              {p.rows.map(u => {
                const panel = open?.id === u.id ? open : undefined
                return (
                  <Fragment key={u.id}>
                    <tr data-testid="person" data-login={u.login} data-state={u.disabled ? "disabled" : "active"}>
                      <td>{u.display_name}</td>
                      <td className="code">{u.login}</td>
                      <td>{ROLE_WORDS[u.role] ?? u.role}</td>
                      <td>{u.district_id ? (districtName.get(u.district_id) ?? u.district_id) : "—"}</td>
                      <td data-testid="term">{termWords(u)}</td>
                      <td data-testid="tablets">
                        {u.tablets.length
                          ? u.tablets.map(d => (
                              <span key={d.device_id} className={d.revoked ? "tablet revoked" : "tablet"}>
                                {d.label}
                                {d.revoked ? "（無効にした端末）" : d.last_seen_at ? `（${formatMs(d.last_seen_at)}）` : ""}
                              </span>
                            ))
                          : "—"}
                      </td>
                      <td>{formatMs(u.last_login_at ?? undefined, "—")}</td>
                      <td data-testid="state">
                        {u.disabled ? <span className="stopped">停止中</span> : "有効"}
                        {u.must_change_password && " "}
                        {u.must_change_password && <span className="temporary">仮パスワードのまま</span>}
                      </td>
                      {admin && (
                        <td className="row-actions">
                          <button type="button" disabled={busy} onClick={() => setOpen({ id: u.id, action: "reset" })}>
                            パスワードの再発行
                          </button>
                          <button type="button" disabled={busy} onClick={() => setOpen({ id: u.id, action: "role" })}>
                            役割・地区を変える
                          </button>
                          {u.id !== me.id &&
                            (u.disabled ? (
                              <button type="button" disabled={busy} onClick={() => setOpen({ id: u.id, action: "enable" })}>
                                利用を再開
                              </button>
                            ) : (
                              <button type="button" className="danger-outline" disabled={busy} onClick={() => setOpen({ id: u.id, action: "disable" })}>
                                利用を停止
                              </button>
                            ))}
                        </td>
                      )}
                    </tr>
                    {admin && panel && (
                      <RowPanel colSpan={columns} title={`${u.display_name}（${u.login}）の${ACTION_TITLE[panel.action]}`} testid="person-panel">
                        {panel.password ? (
                          <TemporaryPassword password={panel.password} sessions={panel.sessions ?? 0} close={() => setOpen(undefined)} />
                        ) : panel.action === "role" ? (
                          <RoleForm
                            u={u}
                            districts={districts}
                            busy={busy}
                            save={change => void changeRole(u, change)}
                            no={() => setOpen(undefined)}
                          />
                        ) : (
                          <Confirm u={u} action={panel.action} busy={busy} yes={() => void act(u, panel.action as Exclude<Action, "role">)} no={() => setOpen(undefined)} />
                        )}
                      </RowPanel>
                    )}
                  </Fragment>
                )
              })}
            </tbody>
          </table>
          <Pager p={p} onPage={setPage} unit="人" />
        </>
      )}
    </section>
  )
}

const CONFIRM_TEXT: Record<Exclude<Action, "role">, string> = {
  reset:
    "仮のパスワードを発行します。いまのパスワードは使えなくなり、この方のタブレット・パソコンのログインはすべて終わります。仮のパスワードはこの画面に一度だけ表示します。",
  disable: "この方はログインできなくなり、タブレット・パソコンのログインはすべて終わります。記録は消えません。",
  enable: "この方はまたログインできるようになります。パスワードは変わりません（漏れたおそれがあれば再発行してください）。",
}

const YES: Record<Exclude<Action, "role">, string> = { reset: "再発行する", disable: "利用を停止する", enable: "利用を再開する" }

function Confirm({ u, action, busy, yes, no }: { u: AdminUserOut; action: Exclude<Action, "role">; busy: boolean; yes: () => void; no: () => void }) {
  return (
    <>
      <p>
        {u.display_name}（{u.login}）：{CONFIRM_TEXT[action]}よろしいですか。
      </p>
      <div className="actions">
        <button type="button" className={action === "disable" ? "danger" : "primary"} disabled={busy} onClick={yes}>
          {YES[action]}
        </button>
        <button type="button" disabled={busy} onClick={no}>
          やめる
        </button>
      </div>
    </>
  )
}

function TemporaryPassword({ password, sessions, close }: { password: string; sessions: number; close: () => void }) {
  return (
    <div className="temporary-password" role="status">
      <p>仮のパスワード（この一度だけ表示します。閉じると二度と表示できません）：</p>
      <p className="secret" data-testid="temporary-password">
        {password}
      </p>
      <p>
        本人に直接お渡しください（メールや電話では伝えないでください）。本人が次にログインしたとき、新しいパスワードに変えます。
        {sessions > 0 && `ログインしていた${sessions}か所は終了しました。`}
      </p>
      <div className="actions">
        <button type="button" className="primary" onClick={close}>
          控えました（表示を消す）
        </button>
      </div>
    </div>
  )
}

/** Roles whose people belong to a district (民生委員, 地区の会長). */
const FIELD_ROLES: Role[] = ["commissioner", "district_lead"]

/** 役割・地区の変更: the new role, and the district for a field role. */
function RoleForm({
  u,
  districts,
  busy,
  save,
  no,
}: {
  u: AdminUserOut
  districts: DistrictOut[]
  busy: boolean
  save: (change: { role: Role; district_id?: string }) => void
  no: () => void
}) {
  const [role, setRole] = useState<Role>(u.role)
  const [district, setDistrict] = useState(u.district_id ?? "")
  const [problem, setProblem] = useState<string>()
  const field = FIELD_ROLES.includes(role)
  function submit() {
    if (field && !district) return setProblem("地区を選んでください（民生委員と地区の会長には地区が必要です）。")
    setProblem(undefined)
    save(field ? { role, district_id: district } : { role })
  }
  return (
    <>
      <p>
        役割や地区を変えると、見られる方の範囲がすぐに変わります（ログインし直す必要はありません）。担当の方がいるまま市の職員・管理者にはできません。先に「改選・引き継ぎ」で引き継いでください。
      </p>
      <div className="filters">
        <Field label="役割">
          <select name="new-role" value={role} onChange={e => setRole(e.target.value as Role)}>
            {(Object.keys(ROLE_WORDS) as Role[]).map(r => (
              <option key={r} value={r}>
                {ROLE_WORDS[r]}
              </option>
            ))}
          </select>
        </Field>
        {field && (
          <Field label="地区">
            <select name="new-district" value={district} onChange={e => setDistrict(e.target.value)}>
              <option value="">選んでください</option>
              {districts.map(d => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </Field>
        )}
      </div>
      <ErrorLine text={problem} />
      <div className="actions">
        <button type="button" className="primary" disabled={busy} onClick={submit}>
          変える
        </button>
        <button type="button" disabled={busy} onClick={no}>
          やめる
        </button>
      </div>
    </>
  )
}
