import { describe, expect, it } from "vitest"
import { byNeed, needsOf } from "./mine"
import type { Contact, ResidentDoc, Review } from "./schema"

const ME = "u-comm-a"
const NOW = new Date("2026-12-07T10:00:00+09:00")

function contact(id: string, occurredAt: string, more: Partial<Contact> = {}): Contact {
  return {
    id,
    occurredAt,
    authorId: ME,
    kind: "visit",
    outcome: "met",
    checks: {},
    concern: "none",
    activity: { fields: [], contents: [] },
    note: "",
    followUp: false,
    ...more,
  }
}

function doc(contacts: Contact[], reviews: Record<string, Review> = {}): ResidentDoc {
  return {
    schema: 1,
    residentId: "r1",
    profile: { name: "試験 花子", kana: "しけん", address: "", phone: "", household: "", categories: [], emergencyContacts: [], notes: "" },
    contacts: Object.fromEntries(contacts.map(c => [c.id, c])),
    reviews,
  } as unknown as ResidentDoc
}

const words = (d: ResidentDoc) => needsOf(d, ME, NOW).map(n => n.words)

describe("what needs the commissioner", () => {
  it("nothing for a resident whose last visit was all right", () => {
    expect(words(doc([contact("c1", "2026-12-05T10:00:00+09:00")]))).toEqual([])
  })

  it("a follow-up the commissioner set, by its day, then how late it is", () => {
    const set = (on?: string) => doc([contact("c1", "2026-12-01T10:00:00+09:00", { followUp: true, followUpOn: on })])
    expect(words(set("2026-12-10"))).toEqual(["もう一度訪ねる：12月10日まで"])
    expect(words(set("2026-12-07"))).toEqual(["もう一度訪ねる：今日"])
    expect(words(set("2026-12-04"))).toEqual(["もう一度訪ねる日を3日過ぎています（12月4日）"])
    // A record made before the day could be set: a week after it.
    expect(words(set(undefined))).toEqual(["もう一度訪ねる：12月8日まで"])
  })

  it("a follow-up is done by the next record, and someone else's is not mine", () => {
    const asked = contact("c1", "2026-11-20T10:00:00+09:00", { followUp: true, followUpOn: "2026-11-25" })
    expect(words(doc([asked, contact("c2", "2026-11-26T10:00:00+09:00")]))).toEqual([])
    expect(words(doc([{ ...asked, authorId: "u-comm-a2" }]))).toEqual([])
  })

  it("the lead's 要確認 / 差し戻し on my record until I answer it", () => {
    const review = (mark: Review["mark"]): Record<string, Review> => ({
      c1: { mark, comment: "", by: "u-lead", at: "2026-12-06T09:00:00+09:00" },
    })
    const mine = contact("c1", "2026-12-05T10:00:00+09:00")
    expect(words(doc([mine], review("check")))).toEqual(["リーダーから要確認：返事をお願いします"])
    expect(words(doc([mine], review("return")))).toEqual(["リーダーから差し戻し：返事をお願いします"])
    expect(words(doc([{ ...mine, answer: "確認しました" }], review("check")))).toEqual([])
    expect(words(doc([mine], review("confirmed")))).toEqual([])
  })

  it("至急 first, then the lead's request, then a late follow-up, then 見守り強化", () => {
    const urgent = doc([contact("c1", "2026-12-06T10:00:00+09:00", { concern: "urgent" })])
    const late = doc([contact("c1", "2026-11-01T10:00:00+09:00", { followUp: true })])
    const watch = doc([contact("c1", "2026-12-06T10:00:00+09:00", { concern: "watch" })])
    const calm = doc([contact("c1", "2026-12-06T10:00:00+09:00")])
    const order = [calm, watch, late, urgent]
      .map(d => ({ d, n: needsOf(d, ME, NOW) }))
      .sort((a, b) => byNeed(a.n, b.n))
      .map(x => x.d)
    expect(order).toEqual([urgent, late, watch, calm])
  })
})
