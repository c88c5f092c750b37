// The commissioner's list: what needs them, in words (issue 19 item 4). Read from the documents this
// tablet holds, so it works offline: a lead's 要確認 / 差し戻し waiting for the commissioner's
// answer, the newest record's concern, and a 「あとで、もう一度訪ねる」 the commissioner set, with its
// day.

import { dayJst, lastContact, monthDayJa, nowJst, str, type ResidentDoc } from "./schema"

/** Why a resident is at the top of the list, most pressing first (the order of `rank`). */
export interface Need {
  kind: "urgent" | "review" | "followup-late" | "followup" | "watch"
  /** What the list says (the colour only repeats it). */
  words: string
}

const RANK: Record<Need["kind"], number> = { urgent: 0, review: 1, "followup-late": 2, followup: 3, watch: 4 }

/** A follow-up without a day set is due a week after the record that asked for it. */
export const FOLLOW_UP_DAYS = 7

/** `YYYY-MM-DD` plus `n` days. */
export function addDays(day: string, n: number): string {
  const t = Date.parse(`${day}T00:00:00Z`)
  return Number.isNaN(t) ? "" : new Date(t + n * 86400_000).toISOString().slice(0, 10)
}

/**
 * What this resident needs from commissioner `me` today (`now`): empty when nothing.
 * - a 要確認 / 差し戻し by the lead on one of `me`'s records, not answered yet;
 * - the newest record's concern (至急 / 見守り強化);
 * - the newest record of `me` asking for another visit, with no record after it: due on the day
 *   set, or a week after it; past that day it says how many days late.
 */
export function needsOf(doc: ResidentDoc | undefined, me: string, now = new Date()): Need[] {
  if (!doc) return []
  const out: Need[] = []
  const last = lastContact(doc)
  if (last && str(last.concern) === "urgent") out.push({ kind: "urgent", words: "至急の記録があります" })
  for (const [cid, r] of Object.entries(doc.reviews ?? {})) {
    const c = doc.contacts?.[cid]
    const mark = str(r.mark)
    if (!c || str(c.authorId) !== me || str(c.answer) || (mark !== "check" && mark !== "return")) continue
    out.push({
      kind: "review",
      words: mark === "check" ? "リーダーから要確認：返事をお願いします" : "リーダーから差し戻し：返事をお願いします",
    })
    break
  }
  if (last && last.followUp === true && str(last.authorId) === me) {
    const due = str(last.followUpOn) || addDays(dayJst(str(last.occurredAt)), FOLLOW_UP_DAYS)
    const today = dayJst(nowJst(now))
    if (due && due < today) {
      const late = Math.round((Date.parse(today) - Date.parse(due)) / 86400_000)
      out.push({ kind: "followup-late", words: `もう一度訪ねる日を${late}日過ぎています（${monthDayJa(due)}）` })
    } else if (due) {
      out.push({ kind: "followup", words: `もう一度訪ねる：${due === today ? "今日" : `${monthDayJa(due)}まで`}` })
    }
  }
  if (last && str(last.concern) === "watch") out.push({ kind: "watch", words: "見守り強化" })
  return out.sort((a, b) => RANK[a.kind] - RANK[b.kind])
}

/** Residents with a need before the others; among them the most pressing first. */
export function byNeed(a: Need[], b: Need[]): number {
  const r = (n: Need[]) => (n.length ? RANK[n[0].kind] : 99)
  return r(a) - r(b)
}
