// 名簿の取り込み: the city's lists as CSV files, as Excel saves them (UTF-8 or Shift_JIS): the roster of
// watched residents (要援護者名簿; city staff and the administrator) and, for the administrator, the
// list of people (民生委員・会長・市の職員: accounts, with their terms) and of assignments (担当). First
// the preview — what would be added or changed, the rows in error by line and column, who is no
// longer on the file — and only then, when no row is in error, 取り込む. Nothing is written before
// that button. A people import shows each new person's first password this once, to print and hand
// over at the training session.
import { useState, type ReactNode } from "react"
import { api, messageOf, type AssignmentsPlan, type CsvPlans, type PeoplePlan, type RosterPlan, type RowProblem } from "../../api"
import { ROLE_WORDS } from "./lists"

const FIELD_WORDS: Record<string, string> = {
  name: "氏名",
  kana: "ふりがな",
  address: "住所",
  contact_interval_days: "見守り間隔",
  display_name: "氏名",
  term_starts_on: "任期の始まり",
  term_ends_on: "任期の終わり",
}

type Kind = keyof CsvPlans

const KINDS: { kind: Kind; label: string; hint: string }[] = [
  {
    kind: "residents",
    label: "見守り対象者の名簿",
    hint: "1行目は見出しで、「番号」「氏名」「ふりがな」「住所」「地区」の列が要ります（「見守り間隔」は任意）。同じ番号の方は新しく作らず、変わった所だけを直します。",
  },
  {
    kind: "people",
    label: "民生委員・会長・職員の名簿",
    hint: "「ログイン名」「氏名」「役割」（民生委員・会長・市の職員）の列が要ります。「地区」は民生委員と会長に、「任期開始」「任期終了」は任意です。同じログイン名の方は新しく作らず、氏名と任期を直します。新しい方の最初のパスワードは取り込んだときに一度だけ表示します。",
  },
  {
    kind: "assignments",
    label: "担当の名簿",
    hint: "「番号」（対象者の名簿の番号）「民生委員」（ログイン名）「開始日」の列が要ります（「終了日」は任意）。すでに同じ担当がある行はそのままです。先に対象者と民生委員を取り込んでください。",
  },
]

export function Roster({ admin = false }: { admin?: boolean }) {
  const [kind, setKind] = useState<Kind>("residents")
  const [file, setFile] = useState<File>()
  const [plan, setPlan] = useState<CsvPlans[Kind]>()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const kinds = admin ? KINDS : KINDS.filter(k => k.kind === "residents")
  const about = KINDS.find(k => k.kind === kind)!

  async function send(confirm: boolean) {
    if (!file) return
    setBusy(true)
    setError(undefined)
    try {
      setPlan(await api.uploadCsv(kind, file, confirm))
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="roster">
      <h1>名簿の取り込み</h1>
      {kinds.length > 1 && (
        <label className="field">
          <span className="label">取り込む名簿</span>
          <select
            name="kind"
            value={kind}
            onChange={e => {
              setKind(e.target.value as Kind)
              setPlan(undefined)
            }}
          >
            {kinds.map(k => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
      )}
      <p className="hint">
        {about.label}（CSV。Excel の「CSV」でも「CSV UTF-8」でも）を選んでください。{about.hint}まず内容を確かめ、それから取り込みます。
      </p>
      <label className="field">
        <span className="label">名簿のファイル</span>
        <input
          type="file"
          name="roster"
          accept=".csv,text/csv"
          onChange={e => {
            setFile(e.target.files?.[0])
            setPlan(undefined)
          }}
        />
      </label>
      <div className="actions">
        <button type="button" className="primary" disabled={!file || busy} onClick={() => void send(false)}>
          内容を確かめる
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {plan && kind === "residents" && <PlanView plan={plan as RosterPlan} busy={busy} confirm={() => void send(true)} />}
      {plan && kind === "people" && <PeopleView plan={plan as PeoplePlan} busy={busy} confirm={() => void send(true)} />}
      {plan && kind === "assignments" && <AssignmentsView plan={plan as AssignmentsPlan} busy={busy} confirm={() => void send(true)} />}
    </section>
  )
}

/** A titled list of what the file would do (nothing when empty): each item's key and words. */
function Listed<T>({ title, items, row, testid }: { title: string; items: T[]; row: (t: T) => [string, ReactNode]; testid?: string }) {
  if (items.length === 0) return null
  return (
    <>
      <h2>{title}</h2>
      <ul data-testid={testid}>
        {items.map(t => {
          const [key, words] = row(t)
          return <li key={key}>{words}</li>
        })}
      </ul>
    </>
  )
}

/** The rows in error, by line and column (nothing is imported while there are any). */
function Problems({ problems }: { problems: RowProblem[] }) {
  if (problems.length === 0) return null
  return (
    <>
      <h2>直してください（取り込みはまだしていません）</h2>
      <table className="data problems" data-testid="roster-problems">
        <thead>
          <tr>
            <th>行</th>
            <th>列</th>
            <th>内容</th>
          </tr>
        </thead>
        <tbody>
          {problems.map((p, i) => (
            <tr key={i}>
              <td>{p.line > 0 ? `${p.line}行目` : "ファイル"}</td>
              <td>{p.column}</td>
              <td>{p.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

/** 取り込む, offered only when no row is in error; and the columns not used. */
function Confirm({ problems, unused, busy, confirm }: { problems: number; unused: string[]; busy: boolean; confirm: () => void }) {
  return (
    <>
      {unused.length > 0 && <p className="hint">使わない列：{unused.join("、")}</p>}
      {problems === 0 && (
        <div className="actions">
          <button type="button" className="primary" disabled={busy} onClick={confirm}>
            取り込む
          </button>
        </div>
      )}
    </>
  )
}

function PeopleView({ plan, busy, confirm }: { plan: PeoplePlan; busy: boolean; confirm: () => void }) {
  if (plan.applied) {
    return (
      <div data-testid="roster-done">
        <p className="saved" role="status">
          取り込みました：新しく{plan.add.length}人、変更{plan.change.length}人、変わりなし{plan.unchanged}人。
        </p>
        {plan.first_passwords.length > 0 && (
          <div className="first-passwords">
            <h2>新しい方の最初のパスワード（この一度だけ表示します）</h2>
            <p className="hint">
              印刷して本人に直接お渡しください（メールや電話では伝えないでください）。最初にログインしたとき、本人のパスワードに変えます。この画面を閉じると二度と表示できません（そのときは人の画面で「パスワードの再発行」）。
            </p>
            <table className="data" data-testid="first-passwords">
              <thead>
                <tr>
                  <th>氏名</th>
                  <th>ログイン名</th>
                  <th>最初のパスワード</th>
                </tr>
              </thead>
              <tbody>
                {plan.first_passwords.map(p => (
                  <tr key={p.login}>
                    <td>{p.name}</td>
                    <td className="code">{p.login}</td>
                    <td className="code secret">{p.temporary_password}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="actions no-print">
              <button type="button" onClick={() => window.print()}>
                印刷する
              </button>
            </div>
          </div>
        )}
      </div>
    )
  }
  return (
    <div className="roster-plan" data-testid="roster-plan">
      <p data-testid="roster-summary">
        {plan.rows}行：新しく{plan.add.length}人、変更{plan.change.length}人、変わりなし{plan.unchanged}人、直す所{plan.problems.length}件。
      </p>
      <Problems problems={plan.problems} />
      <Listed title="新しく登録する方" items={plan.add} row={a => [a.login, <>{a.line}行目 {a.login} {a.name}（{ROLE_WORDS[a.role] ?? a.role}{a.district_code ? `・${a.district_code}` : ""}）</>]} />
      <Listed title="登録内容が変わる方" items={plan.change} row={c => [c.login, <>{c.line}行目 {c.login} {c.name}：{c.fields.map(f => FIELD_WORDS[f] ?? f).join("、")}</>]} />
      <Listed title="名簿にない民生委員・会長（利用停止はしません。退任した方は人の画面で停止してください）" testid="roster-missing" items={plan.not_in_file} row={m => [m.user_id, <>{m.login} {m.name}（{ROLE_WORDS[m.role] ?? m.role}）</>]} />
      <Confirm problems={plan.problems.length} unused={plan.unused_columns} busy={busy} confirm={confirm} />
    </div>
  )
}

function AssignmentsView({ plan, busy, confirm }: { plan: AssignmentsPlan; busy: boolean; confirm: () => void }) {
  if (plan.applied) {
    return (
      <div className="saved" role="status" data-testid="roster-done">
        取り込みました：新しい担当{plan.add.length}件、そのまま{plan.unchanged}件。
      </div>
    )
  }
  return (
    <div className="roster-plan" data-testid="roster-plan">
      <p data-testid="roster-summary">
        {plan.rows}行：新しい担当{plan.add.length}件、そのまま{plan.unchanged}件、直す所{plan.problems.length}件。
      </p>
      <Problems problems={plan.problems} />
      <Listed title="新しい担当" items={plan.add} row={a => [`${a.line}`, <>{a.line}行目 {a.external_id} {a.resident_name} ← {a.commissioner_name}（{a.login}） {a.starts_on}から{a.ends_on ? `${a.ends_on}まで` : ""}</>]} />
      <Confirm problems={plan.problems.length} unused={plan.unused_columns} busy={busy} confirm={confirm} />
    </div>
  )
}

function PlanView({ plan, busy, confirm }: { plan: RosterPlan; busy: boolean; confirm: () => void }) {
  if (plan.applied) {
    return (
      <div className="saved" role="status" data-testid="roster-done">
        取り込みました：新しく{plan.add.length}人、変更{plan.change.length}人、変わりなし{plan.unchanged}人。
        {plan.not_in_file.length > 0 && `名簿にない方が${plan.not_in_file.length}人います（削除はしていません）。`}
      </div>
    )
  }
  return (
    <div className="roster-plan" data-testid="roster-plan">
      <p data-testid="roster-summary">
        {plan.rows}行：新しく{plan.add.length}人、変更{plan.change.length}人、変わりなし{plan.unchanged}人、
        直す所{plan.problems.length}件。
      </p>
      <Problems problems={plan.problems} />
      <Listed title="新しく登録する方" items={plan.add} row={a => [a.external_id, <>{a.line}行目 {a.external_id} {a.name}（{a.district_code}）</>]} />
      <Listed title="登録内容が変わる方" items={plan.change} row={c => [c.external_id, <>{c.line}行目 {c.external_id} {c.name}：{c.fields.map(f => FIELD_WORDS[f] ?? f).join("、")}</>]} />
      <Listed title="名簿にない方（削除はしません。担当の終了は別に行ってください）" testid="roster-missing" items={plan.not_in_file} row={m => [m.resident_id, <>{m.external_id} {m.name}</>]} />
      <Confirm problems={plan.problems.length} unused={plan.unused_columns} busy={busy} confirm={confirm} />
    </div>
  )
}
