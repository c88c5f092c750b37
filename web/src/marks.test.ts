import { describe, expect, it } from "vitest"
import type { DocEntry } from "./store"
import type { ResidentDoc } from "./schema"
import { shownReviews, withShownReviews } from "./marks"

const entry = (reviews: Record<string, { mark: string; by: string }>, setAsideReviews?: Record<string, string>): DocEntry =>
  ({
    url: "automerge:x",
    residentId: "r",
    intervalDays: 7,
    pendingContacts: [],
    pendingEdit: false,
    setAsideReviews,
    doc: {
      contacts: {},
      reviews: Object.fromEntries(Object.entries(reviews).map(([k, v]) => [k, { ...v, comment: "ひとこと", at: "2026-12-01T10:00:00+09:00" }])),
    } as unknown as ResidentDoc,
  }) as unknown as DocEntry

describe("the review marks a screen shows", () => {
  it("are a district lead's only", () => {
    const e = entry({ c1: { mark: "check", by: "lead" }, c2: { mark: "confirmed", by: "comm" } })
    expect(Object.keys(shownReviews(e, ["lead"]))).toEqual(["c1"])
  })

  it("are the server's where it set the document's aside", () => {
    // A commissioner wrote 確認済み in the lead's name on c1 and c2; the server kept c1's real
    // 要確認 and has no mark for c2.
    const e = entry({ c1: { mark: "confirmed", by: "lead" }, c2: { mark: "confirmed", by: "lead" } }, { c1: "check", c2: "" })
    const shown = shownReviews(e, ["lead"])
    expect(shown.c1.mark).toBe("check")
    expect(shown.c1.comment, "the forged words are not shown").toBe("")
    expect(shown.c2).toBeUndefined()
  })

  it("leave an entry with nothing hidden as it is", () => {
    const e = entry({ c1: { mark: "check", by: "lead" } })
    expect(withShownReviews(e, ["lead"])).toBe(e)
    expect(withShownReviews(e, []).doc?.reviews).toEqual({})
  })
})
