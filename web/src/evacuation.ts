// 個別避難計画 on the tablet (issue 23 item 2): the words (mirroring server/src/domain/evacuation.rs),
// the current plan of a resident's document (the latest head of the revisions' edit graph, as the
// server decides it), its last confirmed day, and a new revision written whole (never edited).
import { Automerge as A } from "@automerge/automerge-repo/slim"
import { ensureSection, sectionEntries } from "./schema-v2"
import { nowJst, str } from "./schema"

export type Consent = "agreed" | "declined" | "unknown"
export const CONSENTS: [Consent, string][] = [
  ["agreed", "同意"],
  ["declined", "不同意"],
  ["unknown", "未確認"],
]
export const NEEDS: [string, string][] = [
  ["walking", "歩行に介助"],
  ["wheelchair", "車いす"],
  ["bedridden", "寝たきり"],
  ["oxygen", "在宅酸素"],
  ["dialysis", "透析"],
  ["ventilator", "人工呼吸器"],
  ["suction", "たんの吸引"],
  ["device_other", "その他の医療機器"],
  ["medication", "服薬"],
  ["dementia", "認知"],
  ["hearing", "聴覚"],
  ["vision", "視覚"],
  ["pet", "ペット"],
  ["other", "その他"],
]
export const RELATIONS: [string, string][] = [
  ["family", "家族"],
  ["relative", "親族"],
  ["neighbour", "近所の方"],
  ["community", "町内会・自主防災組織"],
  ["commissioner", "民生委員"],
  ["care", "介護・福祉の事業所"],
  ["other", "その他"],
]
export const DESTINATIONS: [string, string][] = [
  ["designated", "指定避難所"],
  ["welfare", "福祉避難所"],
  ["home", "自宅で待機"],
  ["other", "その他（親族宅など）"],
]
export const label = (list: [string, string][], v: string) => list.find(([k]) => k === v)?.[1] ?? v

export interface Helper {
  name: string
  relation: string
  phone: string
}

export interface Plan {
  id: string
  basedOn: string
  at: string
  authorId: string
  consent: Consent
  consentOn: string
  needs: string[]
  helpers: Helper[]
  destination: { kind: string; name: string }
  howToReach: string
  medicalNote: string
  note: string
}

function read(r: Record<string, unknown>): Plan {
  const dest = (r.destination ?? {}) as Record<string, unknown>
  return {
    id: str(r.id),
    basedOn: str(r.basedOn),
    at: str(r.at),
    authorId: str(r.authorId),
    consent: str(r.consent) as Consent,
    consentOn: str(r.consentOn),
    needs: ((r.needs as unknown[]) ?? []).map(str),
    helpers: ((r.helpers as Record<string, unknown>[]) ?? []).map(h => ({ name: str(h.name), relation: str(h.relation), phone: str(h.phone) })),
    destination: { kind: str(dest.kind), name: str(dest.name) },
    howToReach: str(r.howToReach),
    medicalNote: str(r.medicalNote),
    note: str(r.note),
  }
}

/** Every revision of the resident's plan, from every map under `evacuationPlans`. */
export function revisions(doc: object | undefined): Plan[] {
  return sectionEntries<Record<string, unknown>>(doc, "evacuationPlans").map(read)
}

/**
 * The plan: among the revisions no other names as its base, the latest by (at, id); and whether it
 * was edited on two tablets at once (more than one such head).
 */
export function currentPlan(doc: object | undefined): { plan: Plan; concurrent: boolean } | undefined {
  const all = revisions(doc)
  const heads = all.filter(r => !all.some(o => o.basedOn === r.id))
  const plan = heads.sort((a, b) => (a.at === b.at ? b.id.localeCompare(a.id) : b.at.localeCompare(a.at)))[0]
  return plan && { plan, concurrent: heads.length > 1 }
}

/** The day the plan was last confirmed: made, or a contact's 「計画に変更なし」 of this very revision. */
export function lastConfirmed(doc: { contacts?: Record<string, unknown> } | undefined, plan: Plan): string {
  const days = Object.values(doc?.contacts ?? {})
    .map(c => c as Record<string, unknown>)
    .filter(c => str(c.planConfirmed) === plan.id)
    .map(c => str(c.occurredAt).slice(0, 10))
  return [plan.at.slice(0, 10), ...days].sort().reverse()[0]
}

const I = (v: string) => new A.ImmutableString(v)

/** Writes a new revision into the resident's document (inside a change); its id. */
export function writePlan(d: object, p: Omit<Plan, "id" | "at">, id: string = crypto.randomUUID(), at = nowJst()): string {
  ensureSection<unknown>(d, "evacuationPlans")[id] = {
    id: I(id),
    basedOn: I(p.basedOn),
    at: I(at),
    authorId: I(p.authorId),
    consent: I(p.consent),
    consentOn: I(p.consent === "unknown" ? "" : p.consentOn),
    needs: p.needs.map(I),
    helpers: p.helpers.filter(h => h.name.trim()).map(h => ({ name: I(h.name.trim()), relation: I(h.relation), phone: I(h.phone.trim()) })),
    destination: { kind: I(p.destination.kind), name: I(p.destination.name.trim()) },
    howToReach: I(p.howToReach.trim()),
    medicalNote: I(p.medicalNote.trim()),
    note: I(p.note.trim()),
  }
  return id
}

/** Equipment that keeps someone alive and needs power: a power cut makes them the first to check. */
const LIFE_SUSTAINING = ["ventilator", "oxygen", "suction", "dialysis", "device_other"]
/** Needs that mean the resident cannot leave alone. */
const CANNOT_MOVE_ALONE = ["bedridden", "wheelchair", "walking"]

/**
 * How soon a resident should be checked in a disaster, from their plan (lower first): 0 life-
 * sustaining equipment, 1 cannot move alone, 2 other needs (認知, 聴覚, 視覚, 服薬…), 3 a plan with
 * no need listed, 4 no plan.
 */
export function needRank(plan: Pick<Plan, "needs"> | undefined): number {
  if (!plan) return 4
  if (plan.needs.some(n => LIFE_SUSTAINING.includes(n))) return 0
  if (plan.needs.some(n => CANNOT_MOVE_ALONE.includes(n))) return 1
  return plan.needs.length > 0 ? 2 : 3
}

/** The plan's needs in words, the most urgent first (「在宅酸素・車いす」), for the 安否 list. */
export function needWords(plan: Pick<Plan, "needs"> | undefined): string {
  if (!plan) return ""
  const order = (n: string) => (LIFE_SUSTAINING.includes(n) ? 0 : CANNOT_MOVE_ALONE.includes(n) ? 1 : 2)
  return [...plan.needs]
    .sort((a, b) => order(a) - order(b))
    .map(n => label(NEEDS, n))
    .join("・")
}
