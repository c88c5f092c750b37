import { describe, expect, it } from "vitest"
import * as A from "@automerge/automerge"
import { disasterOrder, latestFor, latestSelf, safetyRecords, writeSafety, writeSelf } from "./safety"
import type { ResidentDoc } from "./schema"

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
})
