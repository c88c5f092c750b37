import { describe, expect, it } from "vitest"
import * as A from "@automerge/automerge"
import { LOCAL, countsSince, disasterOrder, latestFor, latestSelf, recordedDisasterId, safetyRecords, writeSafety, writeSelf } from "./safety"
import type { ResidentDoc } from "./schema"
import { needRank, needWords } from "./evacuation"

describe("安否 in the document", () => {
  it("reads every record of every map under `safety`, the latest for a disaster first", () => {
    const base = A.from<Record<string, unknown>>({ schema: 2, contacts: {} })
    // Two tablets each make the section offline and record: both are read.
    const a = A.change(A.clone(base), d => void writeSafety(d as unknown as ResidentDoc, { disasterId: "d1", disasterKind: "blizzard", status: "safe", memo: "", authorId: "u1" }, "s-a", "2026-12-08T07:00:00+09:00"))
    const b = A.change(A.clone(base), d => void writeSafety(d as unknown as ResidentDoc, { disasterId: "d1", disasterKind: "blizzard", status: "needs_help", memo: "灯油", authorId: "u2" }, "s-b", "2026-12-08T08:00:00+09:00"))
    const merged = A.merge(a, b)
    expect(safetyRecords(merged).map(r => r.id)).toEqual(["s-b", "s-a"])
    expect(latestFor(merged, "d1")?.status).toBe("needs_help")
    expect(latestFor(merged, "other")).toBeUndefined()
  })
  it("keeps the caller's own status in the activity log", () => {
    const log = A.change(A.from<Record<string, unknown>>({ schema: 2, activities: {} }), d => {
      writeSelf(d, "d1", "needs_help", "x1", "2026-12-08T07:00:00+09:00")
      writeSelf(d, "d1", "safe", "x2", "2026-12-08T09:00:00+09:00")
    })
    expect(latestSelf(log, "d1")?.status).toBe("safe")
  })
  it("orders the list by need: 支援が必要, 未記録, 不在・不明, 避難済み, 無事", () => {
    const rows = [
      { kana: "あ", status: "safe" as const },
      { kana: "い" },
      { kana: "う", status: "needs_help" as const },
      { kana: "え", status: "unknown" as const },
      { kana: "お", status: "evacuated" as const },
      { kana: "か" },
    ]
    expect(disasterOrder(rows).map(r => r.kana)).toEqual(["う", "い", "か", "え", "お", "あ"])
  })

  it("started on the tablet before any declaration: records carry no disaster and count for the one declared later", () => {
    const now = Date.parse("2026-12-08T09:00:00+09:00")
    expect(recordedDisasterId(LOCAL)).toBe("")
    expect(recordedDisasterId("d1")).toBe("d1")
    const doc = A.change(A.from<Record<string, unknown>>({ schema: 2, contacts: {} }), d => {
      // Last winter's, started here too: not this disaster's.
      writeSafety(d as unknown as ResidentDoc, { disasterId: "", disasterKind: "other", status: "needs_help", memo: "", authorId: "u1" }, "old", "2026-01-20T07:00:00+09:00")
      writeSafety(d as unknown as ResidentDoc, { disasterId: recordedDisasterId(LOCAL), disasterKind: "other", status: "safe", memo: "", authorId: "u1" }, "new", "2026-12-08T07:30:00+09:00")
    })
    expect(latestFor(doc, LOCAL, countsSince(LOCAL, undefined, now))?.id).toBe("new")
    // The declaration arrives: the blizzard occurred at 7:00; the record made here counts for it.
    const occurred = Date.parse("2026-12-08T07:00:00+09:00")
    expect(latestFor(doc, "d1", countsSince("d1", occurred, now))?.id).toBe("new")
    // Only last winter's record: nothing counts, now or for the declared one.
    const old = A.change(A.from<Record<string, unknown>>({ schema: 2, contacts: {} }), d => {
      writeSafety(d as unknown as ResidentDoc, { disasterId: "", disasterKind: "other", status: "needs_help", memo: "", authorId: "u1" }, "old", "2026-01-20T07:00:00+09:00")
    })
    expect(latestFor(old, LOCAL, countsSince(LOCAL, undefined, now))).toBeUndefined()
    expect(latestFor(old, "d1", countsSince("d1", occurred, now))).toBeUndefined()
    // A record of another declared disaster never counts for the self-started one.
    const other = A.change(A.from<Record<string, unknown>>({ schema: 2, contacts: {} }), d => {
      writeSafety(d as unknown as ResidentDoc, { disasterId: "d0", disasterKind: "earthquake", status: "safe", memo: "", authorId: "u1" }, "d0r", "2026-12-08T08:00:00+09:00")
    })
    expect(latestFor(other, LOCAL, countsSince(LOCAL, undefined, now))).toBeUndefined()
    const log = A.change(A.from<Record<string, unknown>>({ schema: 2, activities: {} }), d => void writeSelf(d, recordedDisasterId(LOCAL), "safe", "me", "2026-12-08T07:10:00+09:00"))
    expect(latestSelf(log, LOCAL, countsSince(LOCAL, undefined, now))?.status).toBe("safe")
    expect(latestSelf(log, "d1", countsSince("d1", occurred, now))?.status).toBe("safe")
  })

  it("within a status, residents whose plan lists life-sustaining equipment come first, then those who cannot move alone", () => {
    const rows = [
      { kana: "あ", need: needRank(undefined) },
      { kana: "い", need: needRank({ needs: ["dementia"] }) },
      { kana: "う", need: needRank({ needs: ["wheelchair"] }) },
      { kana: "え", need: needRank({ needs: ["medication", "oxygen"] }) },
      { kana: "お", need: needRank({ needs: [] }) },
      { kana: "か", status: "needs_help" as const, need: needRank(undefined) },
    ]
    expect(disasterOrder(rows).map(r => r.kana)).toEqual(["か", "え", "う", "い", "お", "あ"])
    expect(needWords({ needs: ["medication", "wheelchair", "oxygen"] })).toBe("在宅酸素・車いす・服薬")
  })
})
