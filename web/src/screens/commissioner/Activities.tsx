// わたしの活動: the commissioner's own activity log (定例会, 研修, 行事, 証明事務, 関係機関との連絡
//調整) — what a monthly 活動記録 counts besides contacts with residents. Saved on the tablet at
// once and sent like every record; nobody but its commissioner reads it (the lead sees counts only).
import { useState, useSyncExternalStore } from "react"
import type { Store } from "../../store"
import { ACTIVITY_KINDS, MAX_NOTE_CHARS, label, monthDayJa, nowJst, str, type ActivityKind } from "../../schema"
import { Choice, Field, Group } from "../../ui"

export function Activities({ store }: { store: Store }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const today = nowJst().slice(0, 10)
  const [date, setDate] = useState(today)
  const [kind, setKind] = useState<ActivityKind>()
  const [note, setNote] = useState("")
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [saved, setSaved] = useState("")
  const log = s.activityLog

  function save(e: React.FormEvent) {
    e.preventDefault()
    const errs: Record<string, string> = {}
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) errs.date = "日付を入れてください。"
    else if (date > today) errs.date = "これから先の日付は記録できません。"
    if (!kind) errs.kind = "どの活動かを選んでください。"
    if (note.length > MAX_NOTE_CHARS) errs.note = `メモは${MAX_NOTE_CHARS}文字までです（いま${note.length}文字）。`
    setErrors(errs)
    if (Object.keys(errs).length) return
    if (!store.recordActivity({ date, kind: kind!, note })) {
      setErrors({ form: "まだ準備ができていません。一度インターネットにつないでから、もう一度どうぞ。" })
      return
    }
    setSaved(`${monthDayJa(date)}の「${label(ACTIVITY_KINDS, kind)}」を記録しました。`)
    setKind(undefined)
    setNote("")
  }

  const month = today.slice(0, 7)
  const entries = Object.values(log?.doc?.activities ?? {})
    .filter(a => str(a.date).startsWith(month))
    .sort((a, b) => str(b.date).localeCompare(str(a.date)) || str(b.createdAt).localeCompare(str(a.createdAt)))
  return (
    <section>
      <h1>わたしの活動</h1>
      <p className="hint">定例会・研修・行事・証明事務・関係機関との連絡調整など、対象者への訪問のほかの活動です。活動記録（月）の「その他の活動」「連絡調整」「活動日数」に数えます。メモはご自分だけが見られます。</p>
      {!log?.doc && <p className="hint">はじめて使うときは、一度インターネットにつないでください。</p>}
      <form onSubmit={save} noValidate className="record" autoComplete="off">
        <Field label="日付" error={errors.date}>
          <input name="date" type="date" value={date} max={today} onChange={e => setDate(e.target.value)} />
        </Field>
        <Group title="活動" error={errors.kind} testid="activity-kind">
          <Choice name="活動" options={ACTIVITY_KINDS} value={kind} onChange={setKind} />
        </Group>
        <Field label="メモ（なくてもよい）" error={errors.note}>
          <textarea name="note" autoComplete="off" value={note} onChange={e => setNote(e.target.value)} />
        </Field>
        {errors.form && (
          <p className="error" role="alert">
            {errors.form}
          </p>
        )}
        {saved && <p className="saved" role="status">{saved}</p>}
        <div className="actions">
          <button className="primary big" type="submit">
            記録する
          </button>
          <a className="button" href="#/">
            もどる
          </a>
        </div>
      </form>
      <h2>今月の活動（{entries.length}件）</h2>
      <ul className="activities" data-testid="activities">
        {entries.map(a => (
          <li key={str(a.id)} data-testid="activity">
            <span className="when">{monthDayJa(str(a.date))}</span>{" "}
            <span className="what">{label(ACTIVITY_KINDS, str(a.kind))}</span>
            {log?.pending.includes(str(a.id)) && <span className="badge unsent">未送信</span>}
            <button
              type="button"
              className="take-back"
              onClick={() => {
                if (window.confirm(`${monthDayJa(str(a.date))}の「${label(ACTIVITY_KINDS, str(a.kind))}」を取り消しますか？`))
                  store.removeActivity(str(a.id))
              }}
            >
              取り消す
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}
