import { describe, expect, it } from "vitest"
import { renderToStaticMarkup } from "react-dom/server"
import { MyResidents } from "./screens/commissioner/MyResidents"
import type { DocEntry } from "./store"
import type { AutomergeUrl } from "@automerge/automerge-repo/slim"
import type { ResidentDoc } from "./schema"

const entry = (n: number, more: Partial<DocEntry>): DocEntry => ({
  url: `automerge:doc${n}` as AutomergeUrl,
  residentId: `r${n}`,
  intervalDays: 7,
  pendingContacts: [],
  pendingEdit: false,
  ...more,
})
const doc = (name: string) => ({ schema: 1, profile: { name, kana: "" }, contacts: {}, reviews: {} }) as unknown as ResidentDoc
const text = (entries: DocEntry[]) => renderToStaticMarkup(<MyResidents entries={entries} me="me" />).replace(/<[^>]+>/g, " ")

describe("わたしの見守り", () => {
  it("says how many residents are listed but not on this tablet yet, instead of an empty list", () => {
    const out = text([entry(1, { unavailable: true }), entry(2, { unavailable: true })])
    expect(out).toContain("2人分の記録がまだこのタブレットに届いていません")
    expect(out).not.toContain("表示する方がいません")
  })

  it("shows the stored residents and counts only the missing ones", () => {
    const out = text([entry(1, { doc: doc("試験 花子") }), entry(2, { unavailable: true })])
    expect(out).toContain("試験 花子")
    expect(out).toContain("1人分の記録がまだ")
  })

  it("says nothing of the kind when every listed resident is here, and 表示する方がいません for none", () => {
    expect(text([entry(1, { doc: doc("試験 花子") })])).not.toContain("届いていません")
    expect(text([])).toContain("表示する方がいません")
  })
})
