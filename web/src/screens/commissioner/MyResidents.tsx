// わたしの見守り: the commissioner's residents, what needs them first (mine.ts says why, in words),
// then the most overdue; searchable by name. The district lead's すべての対象者 is the same list.
import { useMemo, useState } from "react"
import type { DocEntry } from "../../store"
import { byNeed, needsOf } from "../../mine"
import { withShownReviews } from "../../marks"
import { CONCERNS, KINDS, daysSince, formatJst, label, lastContact, str, type Contact } from "../../schema"

/** Days past the contact interval (negative: not due yet; undefined: never contacted). */
function overdueBy(e: DocEntry, last: Contact | undefined): number | undefined {
  const days = daysSince(last ? str(last.occurredAt) : undefined)
  return days === undefined ? undefined : days - e.intervalDays
}

export function MyResidents({
  entries,
  me,
  leads,
  title = "わたしの見守り",
}: {
  entries: DocEntry[]
  me: string
  /** The district's leads: only their review marks count (marks.ts). */
  leads?: string[]
  title?: string
}) {
  const [q, setQ] = useState("")
  const rows = useMemo(() => {
    const needle = q.trim()
    return entries
      .filter(e => e.doc)
      .filter(e => !needle || str(e.doc!.profile?.name).includes(needle) || str(e.doc!.profile?.kana).includes(needle))
      .map(e => {
        const last = lastContact(e.doc)
        return { e, last, over: overdueBy(e, last), needs: needsOf(withShownReviews(e, leads).doc, me) }
      })
      // What needs the commissioner first (in words on each row), then the most overdue.
      .sort(
        (a, b) =>
          byNeed(a.needs, b.needs) ||
          (b.over ?? Infinity) - (a.over ?? Infinity) ||
          str(a.e.doc!.profile?.kana).localeCompare(str(b.e.doc!.profile?.kana), "ja"),
      )
  }, [entries, q, me, leads])
  const needing = rows.filter(r => r.needs.length > 0).length
  const loading = entries.filter(e => !e.doc && !e.unavailable).length
  // Listed but not stored here (a start without signal before the first save): said, not hidden.
  const missing = entries.filter(e => !e.doc && e.unavailable).length
  return (
    <section>
      <h1>{title}</h1>
      <label className="field search">
        <span className="label">名前・ふりがなで探す</span>
        <input name="search" type="search" autoComplete="off" value={q} onChange={e => setQ(e.target.value)} />
      </label>
      {loading > 0 && <p className="hint">{loading}人分を読み込み中…</p>}
      {missing > 0 && (
        <p className="hint" data-testid="not-here-yet">
          {missing}人分の記録がまだこのタブレットに届いていません。電波のある所で開くと届きます。
        </p>
      )}
      {rows.length === 0 && loading === 0 && missing === 0 && <p className="hint">表示する方がいません。</p>}
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
                {e.awaitingApproval && (
                  <span className="badge warn" data-testid="awaiting-approval">
                    承認待ち
                  </span>
                )}
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
