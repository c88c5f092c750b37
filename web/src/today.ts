// What the district lead's 「今日の確認」 home lists, in order (pure logic, tested in today.test.ts):
// alerts not yet closed, review requests still open, overdue residents (the server's list), contacts
// with a concern nobody has marked, and records the server could not read.
import type { AlertOut, ReviewItem } from "./api"
import type { DocEntry } from "./store"
import { str } from "./schema"

const URGENT_ROUTES = ["110", "119"]

/** Alerts still to act on: 新しい (open) before 対応中, 110/119 first, then the newest. */
export function homeAlerts(alerts: AlertOut[]): AlertOut[] {
  const rank = (a: AlertOut) => [a.status === "open" ? 0 : 1, URGENT_ROUTES.includes(a.route) ? 0 : 1]
  return alerts
    .filter(a => a.status !== "closed")
    .sort((a, b) => {
      const [ra, rb] = [rank(a), rank(b)]
      return ra[0] - rb[0] || ra[1] - rb[1] || b.raised_at - a.raised_at || a.id.localeCompare(b.id)
    })
}

export interface ReviewRequest {
  entry: DocEntry
  residentId: string
  name: string
  contactId: string
  /** check (要確認) | return (差し戻し) */
  mark: string
  comment: string
  occurredAt: string
  /** The commissioner's answer, if any (then the lead has something to confirm). */
  answer: string
}

/**
 * The lead's 要確認 / 差し戻し not yet closed with 確認済み, from the documents this device holds
 * (`authorId`: only on that commissioner's contacts): answered ones first (the lead's turn), then
 * those still waiting, oldest request first.
 */
export function reviewRequests(docs: DocEntry[], authorId?: string): ReviewRequest[] {
  const out: (ReviewRequest & { at: string })[] = []
  for (const entry of docs) {
    const d = entry.doc
    if (!d?.reviews) continue
    for (const [cid, r] of Object.entries(d.reviews)) {
      const c = d.contacts?.[cid]
      const mark = str(r.mark)
      if (!c || (mark !== "check" && mark !== "return") || (authorId !== undefined && str(c.authorId) !== authorId)) continue
      out.push({
        entry,
        residentId: entry.residentId,
        name: str(d.profile?.name),
        contactId: cid,
        mark,
        comment: str(r.comment),
        occurredAt: str(c.occurredAt),
        answer: str(c.answer),
        at: str(r.at),
      })
    }
  }
  out.sort((a, b) => Number(!a.answer) - Number(!b.answer) || a.at.localeCompare(b.at) || a.contactId.localeCompare(b.contactId))
  return out.map(({ at: _at, ...r }) => r)
}

/**
 * Contacts with a concern (要見守り / 至急) that no one has marked yet — neither at the server nor on
 * this device — leaving out those an alert on the home already shows; 至急 first, then the newest.
 */
export function unmarkedConcerns(items: ReviewItem[], docs: DocEntry[], alerts: AlertOut[]): ReviewItem[] {
  const alerted = new Set(alerts.filter(a => a.status !== "closed").map(a => `${a.resident_id}/${a.contact_id}`))
  const localMark = (i: ReviewItem) => str(docs.find(d => d.residentId === i.resident_id)?.doc?.reviews?.[i.contact_id]?.mark)
  return items
    .filter(i => i.concern !== "none" && !i.review_mark && !localMark(i) && !alerted.has(`${i.resident_id}/${i.contact_id}`))
    .sort(
      (a, b) =>
        Number(a.concern !== "urgent") - Number(b.concern !== "urgent") ||
        b.occurred_at.localeCompare(a.occurred_at) ||
        a.contact_id.localeCompare(b.contact_id),
    )
}

/** Residents whose name or ふりがな contains the words typed (nothing for an empty box). */
export function findResidents(docs: DocEntry[], query: string, limit = 8): { residentId: string; name: string; kana: string }[] {
  const q = query.trim()
  if (!q) return []
  return docs
    .filter(e => e.doc && (str(e.doc.profile?.name).includes(q) || str(e.doc.profile?.kana).includes(q)))
    .map(e => ({ residentId: e.residentId, name: str(e.doc!.profile?.name), kana: str(e.doc!.profile?.kana) }))
    .sort((a, b) => a.kana.localeCompare(b.kana, "ja"))
    .slice(0, limit)
}

/** `tel:` link for a number as the city wrote it (`0166-23-4567` → `tel:0166234567`). */
export function telHref(phone: string): string {
  return "tel:" + phone.replace(/[^0-9]/g, "")
}

/** What kind of entry could not be read, in plain words. */
export const PROBLEM_KINDS: Record<string, string> = {
  contact: "訪問などの記録",
  review: "確認の印",
  activity: "活動の記録",
  profile: "基本情報",
  /** A document an app newer than the server wrote (after a server rollback): read all the same. */
  document: "記録の版",
}
