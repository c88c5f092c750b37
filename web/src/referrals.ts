// つなぎ (referrals to agencies) in the resident's document: what the form checks, how a new one and
// its outcome are written, and the order the resident's page lists them in (pure logic, tested in
// referrals.test.ts; the store writes through `writeReferral` / `writeReferralOutcome`).
//
// Only a referral's author changes it (the server keeps the author's version: sync/schema.rs), so the
// outcome is offered to the author alone, while it is still 結果待ち.

import { Automerge as A } from "@automerge/automerge-repo/slim"
import { ensureSection, sectionMaps } from "./schema-v2"
import {
  AGENCY_OF_ROUTE,
  FIELDS,
  MAX_NOTE_CHARS,
  REFERRAL_AGENCIES,
  str,
  type Referral,
  type ReferralAgency,
  type ReferralOutcome,
  type ResidentDoc,
} from "./schema"

/** What the form gives: the day (`YYYY-MM-DD`, Japan), the agency, the 分野, a note, the alert if any. */
export interface ReferralInput {
  on: string
  to: ReferralAgency | undefined
  field: string | undefined
  note: string
  alertId?: string
}

/** An outcome other than 結果待ち: what the author records once they hear back. */
export type FinalOutcome = Exclude<ReferralOutcome, "open">

/** The agency a referral made from an alert goes to: the alert's suggested route, else その他. */
export function agencyOfRoute(route: string | undefined): ReferralAgency {
  return route !== undefined && Object.hasOwn(AGENCY_OF_ROUTE, route) ? AGENCY_OF_ROUTE[route] : "other"
}

/** What is wrong with the form, per field (`on`, `to`, `field`, `note`), in words; empty when nothing. */
export function referralErrors(r: ReferralInput, today: string): Record<string, string> {
  const errs: Record<string, string> = {}
  if (!r.to || !REFERRAL_AGENCIES.some(([k]) => k === r.to)) errs.to = "つないだ先を選んでください。"
  if (!/^\d{4}-\d{2}-\d{2}$/.test(r.on) || Number.isNaN(Date.parse(r.on))) errs.on = "日付を入れてください。"
  else if (r.on > today) errs.on = "これから先の日付は記録できません。"
  if (!r.field || !FIELDS.includes(r.field)) errs.field = "何についてのつなぎか、分野（高齢者・障害者・子ども・その他）を選んでください。"
  const note = r.note.trim()
  if (note.length > MAX_NOTE_CHARS) errs.note = `メモは${MAX_NOTE_CHARS}文字までです（いま${note.length}文字）。`
  return errs
}

/** The outcome's note, checked as the form's: an error in words, or undefined. */
export function outcomeNoteError(note: string): string | undefined {
  const n = note.trim().length
  return n > MAX_NOTE_CHARS ? `メモは${MAX_NOTE_CHARS}文字までです（いま${n}文字）。` : undefined
}

/** Whether `userId` wrote this referral (then, and only then, they may change it). */
export function isAuthor(r: Referral, userId: string | undefined): boolean {
  return !!userId && str(r.authorId) === userId
}

/** Whether the resident's page offers `userId` to record this referral's outcome: theirs, 結果待ち. */
export function awaitsOutcomeFrom(r: Referral, userId: string | undefined): boolean {
  return isAuthor(r, userId) && str(r.outcome) === "open"
}

/**
 * Every map under the document's `referrals` key. A document made before referrals has none until
 * the first is written; two tablets that each make it offline make two maps under one key (an
 * Automerge conflict, one of them shown by `doc.referrals`). Reading all of them loses neither
 * tablet's referrals (the server reads them the same way: sync/schema.rs; the rule for every
 * section made lazily, schema-v2.ts `sectionMaps`). Works on a document and, inside a change, on
 * the draft being changed (then the maps are writable).
 */
export function referralMaps(doc: ResidentDoc | undefined): Record<string, Referral>[] {
  return sectionMaps<Referral>(doc, "referrals")
}

/** The resident's referrals, newest first: by day, then when written, then id. */
export function referralsNewestFirst(doc: ResidentDoc | undefined): Referral[] {
  return referralMaps(doc)
    .flatMap(m => Object.values(m))
    .sort(
    (a, b) =>
      str(b.on).localeCompare(str(a.on)) || str(b.createdAt).localeCompare(str(a.createdAt)) || str(b.id).localeCompare(str(a.id)),
  )
}

/** Those made from one alert, newest first. */
export function referralsOfAlert(doc: ResidentDoc | undefined, alertId: string): Referral[] {
  return referralsNewestFirst(doc).filter(r => str(r.alertId) === alertId)
}

const I = (v: string) => new A.ImmutableString(v)

/**
 * Writes a new referral (結果待ち) into the document being changed, creating the `referrals` map if
 * absent; its strings are immutable, like a contact's. Call inside a change; `r` must have passed
 * [`referralErrors`].
 */
export function writeReferral(d: ResidentDoc, id: string, r: ReferralInput, authorId: string, createdAt: string) {
  ensureSection<unknown>(d, "referrals")[id] = {
    id: I(id),
    on: I(r.on),
    to: I(r.to ?? "other"),
    field: I(r.field ?? ""),
    note: I(r.note.trim()),
    authorId: I(authorId),
    createdAt: I(createdAt),
    ...(r.alertId ? { alertId: I(r.alertId) } : {}),
    outcome: I("open"),
  }
}

/**
 * Records a referral's outcome on day `on` (with the note, when there is one) in the document being
 * changed. False, and nothing written, when there is no such referral or `userId` is not its author.
 */
export function writeReferralOutcome(d: ResidentDoc, id: string, outcome: FinalOutcome, note: string, on: string, userId: string): boolean {
  // In whichever map holds it (see referralMaps).
  const r = referralMaps(d).find(m => Object.hasOwn(m, id))?.[id]
  if (!r || !isAuthor(r, userId)) return false
  const w = r as unknown as Record<string, unknown>
  w.outcome = I(outcome)
  w.outcomeOn = I(on)
  if (note.trim()) w.outcomeNote = I(note.trim())
  else if ("outcomeNote" in w) delete w.outcomeNote
  return true
}
