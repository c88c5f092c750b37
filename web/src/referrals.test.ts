import { describe, expect, it } from "vitest"
import * as A from "@automerge/automerge"
import { str, type Referral, type ResidentDoc } from "./schema"
import {
  agencyOfRoute,
  awaitsOutcomeFrom,
  referralErrors,
  referralsNewestFirst,
  referralsOfAlert,
  writeReferral,
  writeReferralOutcome,
  type ReferralInput,
} from "./referrals"

function resident(): A.Doc<ResidentDoc> {
  return A.from<Record<string, unknown>>({
    schema: 1,
    residentId: "r1",
    profile: { name: "試験 花子", kana: "しけん", address: "", phone: "", household: "", categories: [], emergencyContacts: [], notes: "" },
    contacts: {},
    reviews: {},
  }) as unknown as A.Doc<ResidentDoc>
}

const input = (over: Partial<ReferralInput> = {}): ReferralInput => ({ on: "2026-11-20", to: "chiiki_hokatsu", field: "高齢者", note: "", ...over })

function referral(id: string, on: string, createdAt: string, over: Partial<Referral> = {}): Referral {
  return { id, on, to: "city", field: "高齢者", note: "", authorId: "u1", createdAt, outcome: "open", ...over }
}

describe("the agency of an alert's route", () => {
  it("is the route's agency, and その他 for a route without one", () => {
    expect(agencyOfRoute("chiiki_hokatsu")).toBe("chiiki_hokatsu")
    expect(agencyOfRoute("chiku_shakyo")).toBe("shakyo")
    expect(agencyOfRoute("110")).toBe("police_fire")
    expect(agencyOfRoute("119")).toBe("police_fire")
    expect(agencyOfRoute("somewhere_new")).toBe("other")
    expect(agencyOfRoute("constructor")).toBe("other")
    expect(agencyOfRoute(undefined)).toBe("other")
  })
})

describe("the referral form's checks", () => {
  it("accepts a referral from an alert once its 分野 is chosen", () => {
    expect(referralErrors(input({ alertId: "a1" }), "2026-11-20")).toEqual({})
  })

  it("says which field is missing or wrong, and why", () => {
    const errs = referralErrors({ on: "2026-11-21", to: undefined, field: undefined, note: "x".repeat(4001) }, "2026-11-20")
    expect(Object.keys(errs).sort()).toEqual(["field", "note", "on", "to"])
    expect(errs.on).toContain("これから先")
    expect(errs.field).toContain("分野")
    expect(errs.to).toContain("つないだ先")
    expect(errs.note).toContain("4001文字")
    expect(referralErrors(input({ on: "" }), "2026-11-20").on).toBe("日付を入れてください。")
    expect(referralErrors(input({ field: "大人" }), "2026-11-20").field).toBeDefined()
  })
})

describe("the resident's referrals", () => {
  it("are listed newest first: by day, then when written", () => {
    const doc = {
      referrals: {
        a: referral("a", "2026-11-01", "2026-11-01T10:00:00.000+09:00"),
        b: referral("b", "2026-11-03", "2026-11-02T10:00:00.000+09:00"),
        c: referral("c", "2026-11-03", "2026-11-03T09:00:00.000+09:00", { alertId: "al" }),
      },
    } as unknown as ResidentDoc
    expect(referralsNewestFirst(doc).map(r => r.id)).toEqual(["c", "b", "a"])
    expect(referralsOfAlert(doc, "al").map(r => r.id)).toEqual(["c"])
    expect(referralsNewestFirst(resident())).toEqual([])
  })

  it("offer their outcome to their author only, while 結果待ち", () => {
    const r = referral("a", "2026-11-01", "")
    expect(awaitsOutcomeFrom(r, "u1")).toBe(true)
    expect(awaitsOutcomeFrom(r, "u2")).toBe(false)
    expect(awaitsOutcomeFrom(r, undefined)).toBe(false)
    expect(awaitsOutcomeFrom({ ...r, outcome: "connected" }, "u1")).toBe(false)
  })
})

describe("writing a referral", () => {
  it("adds it, 結果待ち, with immutable strings, making the map when it is the first", () => {
    const doc = A.change(resident(), d => writeReferral(d, "r1", input({ note: " 包括に電話 ", alertId: "al1" }), "u1", "2026-11-20T10:00:00.000+09:00"))
    const raw = (doc as unknown as { referrals: Record<string, Record<string, unknown>> }).referrals.r1
    expect(raw.note).toBeInstanceOf(A.ImmutableString)
    expect(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]))).toEqual({
      id: "r1",
      on: "2026-11-20",
      to: "chiiki_hokatsu",
      field: "高齢者",
      note: "包括に電話",
      authorId: "u1",
      createdAt: "2026-11-20T10:00:00.000+09:00",
      alertId: "al1",
      outcome: "open",
    })
    // Not from an alert: no alertId at all.
    const next = A.change(doc, d => writeReferral(d, "r2", input(), "u1", "2026-11-20T11:00:00.000+09:00"))
    expect("alertId" in (next.referrals!.r2 as object)).toBe(false)
    expect(Object.keys(next.referrals!)).toEqual(["r1", "r2"])
  })

  it("records the outcome for its author, and for no one else", () => {
    const doc = A.change(resident(), d => writeReferral(d, "r1", input(), "u1", "2026-11-20T10:00:00.000+09:00"))
    let written = true
    const other = A.change(doc, d => {
      written = writeReferralOutcome(d, "r1", "connected", "つながった", "2026-11-25", "u2")
    })
    expect(written).toBe(false)
    expect(A.getHeads(other)).toEqual(A.getHeads(doc))
    const mine = A.change(A.clone(doc), d => {
      written = writeReferralOutcome(d, "r1", "connected", " 来週から訪問介護 ", "2026-11-25", "u1")
    })
    expect(written).toBe(true)
    const r = mine.referrals!.r1
    expect([String(r.outcome), String(r.outcomeOn), String(r.outcomeNote)]).toEqual(["connected", "2026-11-25", "来週から訪問介護"])
    expect(r.outcomeNote).toBeInstanceOf(A.ImmutableString)
    // Changed again without a note: the old note does not stay with the new outcome.
    const again = A.change(mine, d => void writeReferralOutcome(d, "r1", "other", "", "2026-11-26", "u1"))
    expect("outcomeNote" in (again.referrals!.r1 as object)).toBe(false)
    const none = A.change(again, d => {
      written = writeReferralOutcome(d, "nope", "other", "", "2026-11-27", "u1")
    })
    expect(written).toBe(false)
    expect(A.getHeads(none)).toEqual(A.getHeads(again))
  })
})

describe("two tablets that make the referrals map at once", () => {
  it("keep both referrals, and each author's outcome lands on its own", () => {
    // A document from before referrals: no map. Each tablet makes one offline.
    const base = A.from<Record<string, unknown>>({ schema: 1, residentId: "r", contacts: {}, reviews: {} }) as unknown as A.Doc<ResidentDoc>
    const input = { on: "2026-12-01", to: "chiiki_hokatsu" as const, field: "高齢者", note: "" }
    const a = A.change(A.clone(base), d => writeReferral(d, "j-a", input, "comm", "2026-12-01T10:00:00+09:00"))
    const b = A.change(A.clone(base), d => writeReferral(d, "j-b", input, "lead", "2026-12-01T11:00:00+09:00"))
    let merged = A.merge(a, b)
    expect(Object.keys(merged.referrals ?? {}).length, "one map wins the key").toBe(1)
    expect(referralsNewestFirst(merged).map(r => str(r.id)).sort()).toEqual(["j-a", "j-b"])
    for (const [id, author] of [["j-a", "comm"], ["j-b", "lead"]]) {
      merged = A.change(merged, d => {
        expect(writeReferralOutcome(d, id, "connected", "", "2026-12-02", author)).toBe(true)
      })
    }
    expect(referralsNewestFirst(merged).map(r => str(r.outcome))).toEqual(["connected", "connected"])
  })
})
