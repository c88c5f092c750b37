import { describe, expect, it } from "vitest"
import type { AlertOut, ReviewItem } from "./api"
import type { DocEntry } from "./store"
import type { ResidentDoc } from "./schema"
import { findResidents, homeAlerts, reviewRequests, telHref, unmarkedConcerns } from "./today"

function alert(id: string, status: AlertOut["status"], route: string, raised_at: number, contact = "c"): AlertOut {
  return {
    id,
    resident_id: "r1",
    resident_name: "試験 花子",
    rule: "mailbox_twice",
    title: "",
    route,
    route_label: "",
    route_phone: null,
    contact_id: contact,
    occurred_at: null,
    occurred_on: null,
    recorded_by: null,
    status,
    raised_at,
    acknowledged_by: null,
    acknowledged_at: null,
    closed_by: null,
    closed_at: null,
    close_note: null,
  }
}

function entry(residentId: string, name: string, doc: Partial<ResidentDoc> = {}): DocEntry {
  return {
    url: `automerge:${residentId}` as DocEntry["url"],
    residentId,
    intervalDays: 30,
    pendingContacts: [],
    pendingEdit: false,
    doc: { schema: 1, residentId, profile: { name, kana: name === "試験 花子" ? "しけん はなこ" : "やまだ" }, contacts: {}, reviews: {}, ...doc } as ResidentDoc,
  }
}

function item(resident_id: string, contact_id: string, concern: ReviewItem["concern"], occurred_at: string, review_mark: ReviewItem["review_mark"] = null): ReviewItem {
  return { resident_id, resident_name: "", contact_id, commissioner: "", occurred_at, received_at: 0, kind: "visit", outcome: "met", concern, checks: {}, note: "", follow_up: false, review_mark, earlier: [] }
}

describe("homeAlerts", () => {
  it("leaves closed alerts off and lists new before 対応中, 110/119 first, then the newest", () => {
    const list = [
      alert("closed", "closed", "119", 9),
      alert("ack", "acknowledged", "119", 8),
      alert("old", "open", "chiiki_hokatsu", 1),
      alert("new", "open", "chiiki_hokatsu", 5),
      alert("police", "open", "110", 2),
    ]
    expect(homeAlerts(list).map(a => a.id)).toEqual(["police", "new", "old", "ack"])
  })
})

describe("reviewRequests", () => {
  it("lists 要確認 and 差し戻し not yet confirmed, answered ones first", () => {
    const c = (id: string, answer?: string) => ({ id, occurredAt: "2026-11-10T10:00:00+09:00", answer })
    const docs = [
      entry("r1", "試験 花子", {
        contacts: { a: c("a"), b: c("b", "電話しました"), d: c("d") } as unknown as ResidentDoc["contacts"],
        reviews: {
          a: { mark: "check", comment: "ご家族に", by: "lead", at: "2026-11-11" },
          b: { mark: "return", comment: "日付", by: "lead", at: "2026-11-12" },
          d: { mark: "confirmed", comment: "", by: "lead", at: "2026-11-12" },
        } as unknown as ResidentDoc["reviews"],
      }),
    ]
    const got = reviewRequests(docs)
    expect(got.map(r => [r.contactId, r.mark, r.answer])).toEqual([
      ["b", "return", "電話しました"],
      ["a", "check", ""],
    ])
    expect(got[0].name).toBe("試験 花子")
    // A commissioner's tasks: the same, on their own contacts only.
    expect(reviewRequests(docs, "someone-else")).toEqual([])
  })
})

describe("unmarkedConcerns", () => {
  it("keeps concerns nobody marked, not those an open alert already shows; 至急 first", () => {
    const items = [
      item("r1", "plain", "none", "2026-11-20"),
      item("r1", "marked", "watch", "2026-11-19", "confirmed"),
      item("r1", "watch", "watch", "2026-11-18"),
      item("r1", "alerted", "urgent", "2026-11-17"),
      item("r1", "urgent", "urgent", "2026-11-01"),
      item("r2", "local", "watch", "2026-11-15"),
    ]
    const docs = [entry("r2", "山田", { reviews: { local: { mark: "confirmed" } } as unknown as ResidentDoc["reviews"] })]
    const alerts = [alert("x", "open", "119", 1, "alerted")]
    expect(unmarkedConcerns(items, docs, alerts).map(i => i.contact_id)).toEqual(["urgent", "watch"])
    // Once the alert is closed, its contact is listed again until someone marks it.
    const closed = [alert("x", "closed", "119", 1, "alerted")]
    expect(unmarkedConcerns(items, docs, closed).map(i => i.contact_id)).toEqual(["alerted", "urgent", "watch"])
  })
})

describe("findResidents and telHref", () => {
  it("finds by name or ふりがな, nothing for an empty box", () => {
    const docs = [entry("r1", "試験 花子"), entry("r2", "山田")]
    expect(findResidents(docs, "はなこ").map(r => r.residentId)).toEqual(["r1"])
    expect(findResidents(docs, "山田").map(r => r.residentId)).toEqual(["r2"])
    expect(findResidents(docs, "  ")).toEqual([])
  })
  it("dials the digits only", () => {
    expect(telHref("(0166)23-4567")).toBe("tel:0166234567")
  })
})
