// Pieces the staff lists share: the pager under a list (50 at a time), the panel that opens under a
// row to confirm an action or show its result (focus moves to it, so that a keyboard or a screen
// reader follows), and city staff's line saying that their list is for reading (changes are the
// administrator's).
import { useEffect, useRef, type ReactNode } from "react"
import { PAGE_SIZE, type Page } from "./lists"

export function Pager<T>({ p, onPage, unit }: { p: Page<T>; onPage: (page: number) => void; unit: string }) {
  return (
    <nav className="pager" aria-label="ページ">
      <button type="button" disabled={p.page === 0} onClick={() => onPage(p.page - 1)}>
        前の{PAGE_SIZE}{unit}
      </button>
      <span className="pager-where" data-testid="pager">
        {p.total === 0 ? "該当なし" : `${p.first}〜${p.last}${unit}目（${p.page + 1}／${p.pages}ページ）`}
      </span>
      <button type="button" disabled={p.page >= p.pages - 1} onClick={() => onPage(p.page + 1)}>
        次の{PAGE_SIZE}{unit}
      </button>
    </nav>
  )
}

/** A table row under `colSpan` columns holding a panel whose heading takes the focus when it opens. */
export function RowPanel({ colSpan, title, testid, children }: { colSpan: number; title: string; testid: string; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [])
  return (
    <tr className="row-panel">
      <td colSpan={colSpan}>
        <div className="panel" role="group" aria-label={title} data-testid={testid}>
          <h2 tabIndex={-1} ref={heading}>
            {title}
          </h2>
          {children}
        </div>
      </td>
    </tr>
  )
}

/** City staff's one line on a list they may read but not change: who makes the changes. */
export function ReadOnly({ changes }: { changes: string }) {
  return (
    <p className="hint read-only" data-testid="read-only">
      閲覧のみです。{changes}は、システム管理者が行います。
    </p>
  )
}
