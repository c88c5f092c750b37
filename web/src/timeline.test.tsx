import { describe, expect, it } from "vitest"
import { renderToStaticMarkup } from "react-dom/server"
import * as A from "@automerge/automerge"
import { Timeline } from "./screens/commissioner/Timeline"
import { writeSafety } from "./safety"
import type { DocEntry, Store } from "./store"
import type { AutomergeUrl } from "@automerge/automerge-repo/slim"
import type { ResidentDoc } from "./schema"

const store = { subscribe: () => () => {}, get: () => ({ me: undefined }) } as unknown as Store

describe("記録（新しい順）", () => {
  it("keeps the 安否 of a disaster in the resident's history, by time among the visits, unsent marked", () => {
    const doc = A.change(
      A.from<Record<string, unknown>>({
        schema: 2,
        profile: { name: "試験 花子", kana: "しけん" },
        contacts: {
          c1: { id: "c1", kind: "visit", outcome: "met", concern: "none", checks: {}, occurredAt: "2026-12-01T10:00:00+09:00", authorId: "u1" },
          c2: { id: "c2", kind: "phone", outcome: "met", concern: "none", checks: {}, occurredAt: "2026-12-09T10:00:00+09:00", authorId: "u1" },
        },
        reviews: {},
      }),
      d => void writeSafety(d as unknown as ResidentDoc, { disasterId: "d1", disasterKind: "blizzard", status: "needs_help", memo: "灯油が残りわずか", authorId: "u1" }, "s1", "2026-12-08T07:00:00+09:00"),
    )
    const entry: DocEntry = {
      url: "automerge:doc1" as AutomergeUrl,
      residentId: "r1",
      intervalDays: 7,
      pendingContacts: ["s1"],
      pendingEdit: false,
      doc: doc as unknown as ResidentDoc,
    }
    const text = renderToStaticMarkup(<Timeline entry={entry} store={store} />).replace(/<[^>]+>/g, " ")
    const safety = text.indexOf("安否確認（大雪・暴風雪）・支援が必要")
    expect(safety).toBeGreaterThan(-1)
    expect(text).toContain("灯油が残りわずか")
    // Newest first: the 12/9 call, the 12/8 安否 (unsent), the 12/1 visit.
    expect(text.indexOf("電話")).toBeLessThan(safety)
    expect(safety).toBeLessThan(text.indexOf("訪問"))
    expect(text.slice(safety, text.indexOf("訪問"))).toContain("未送信")
  })
})
