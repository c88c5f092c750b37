// 引き継ぎメモ: what a commissioner wants the next one to know about a resident (at the 改選 or a
// hand-over) — how to ring, who to call, what the resident prefers. It lives in the resident's
// document, so it travels with it to the successor's tablet (and is encrypted there like the rest);
// the server keeps it and reads nothing of it. Shown at the top of the resident's page.
import { useState } from "react"
import { Automerge as A } from "@automerge/automerge-repo/slim"
import type { DocEntry, Store } from "../../store"
import { MAX_NOTE_CHARS, formatJst, nowJst, str } from "../../schema"
import { Field } from "../../ui"

export function HandoverNote({ store, entry, me }: { store: Store; entry: DocEntry; me: string }) {
  const h = entry.doc?.handover
  const note = str(h?.note)
  const [editing, setEditing] = useState(false)
  const [text, setText] = useState(note)
  const [error, setError] = useState<string>()
  function save() {
    if (text.length > MAX_NOTE_CHARS) return setError(`${MAX_NOTE_CHARS}文字までです（いま${text.length}文字）。`)
    const I = (v: string) => new A.ImmutableString(v)
    store.change(store.handle(entry.url), d => {
      ;(d as unknown as Record<string, unknown>).handover = { note: I(text.trim()), by: I(me), at: I(nowJst()) }
    })
    setError(undefined)
    setEditing(false)
  }
  if (editing) {
    return (
      <div className="handover" data-testid="handover-form">
        <Field label="引き継ぎメモ（次の担当の方へ）" error={error}>
          <textarea name="handover" autoComplete="off" value={text} onChange={e => setText(e.target.value)} />
        </Field>
        <div className="actions">
          <button type="button" className="primary" onClick={save}>
            メモを保存する
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            やめる
          </button>
        </div>
      </div>
    )
  }
  return (
    <div className="handover">
      {note && (
        <div className="handover-note" data-testid="handover-note">
          <h2>引き継ぎメモ</h2>
          <p className="note">{note}</p>
          <p className="hint">{formatJst(str(h?.at))}に書かれました</p>
        </div>
      )}
      <button
        type="button"
        onClick={() => {
          setText(note)
          setEditing(true)
        }}
      >
        {note ? "引き継ぎメモを直す" : "引き継ぎメモを書く"}
      </button>
    </div>
  )
}
