import { describe, expect, it } from "vitest"
import * as A from "@automerge/automerge"
import { currentPlan, lastConfirmed, writePlan, type Plan } from "./evacuation"

const base: Omit<Plan, "id" | "at"> = {
  basedOn: "",
  authorId: "u1",
  consent: "agreed",
  consentOn: "2026-12-01",
  needs: ["wheelchair"],
  helpers: [{ name: "近所 一郎", relation: "neighbour", phone: "0166" }],
  destination: { kind: "welfare", name: "福祉センター" },
  howToReach: "",
  medicalNote: "",
  note: "",
}

describe("個別避難計画", () => {
  it("is the latest head: an edit on a tablet with a wrong clock still wins; two heads are told", () => {
    let doc = A.change(A.from<Record<string, unknown>>({ schema: 2 }), d => void writePlan(d, base, "r1", "2026-12-02T10:00:00+09:00"))
    doc = A.change(doc, d => void writePlan(d, { ...base, basedOn: "r1", needs: ["oxygen"] }, "r2", "2026-12-01T10:00:00+09:00"))
    expect(currentPlan(doc)?.plan.id).toBe("r2")
    expect(currentPlan(doc)?.plan.needs).toEqual(["oxygen"])
    expect(currentPlan(doc)?.concurrent).toBe(false)
    const a = A.change(A.clone(doc), d => void writePlan(d, { ...base, basedOn: "r2" }, "r3a", "2026-12-03T09:00:00+09:00"))
    const b = A.change(A.clone(doc), d => void writePlan(d, { ...base, basedOn: "r2" }, "r3b", "2026-12-03T11:00:00+09:00"))
    const both = A.merge(a, b)
    expect(currentPlan(both)).toMatchObject({ plan: { id: "r3b" }, concurrent: true })
  })
  it("is confirmed by a visit that names this revision, not a superseded one", () => {
    const doc = A.change(A.from<Record<string, unknown>>({ schema: 2 }), d => void writePlan(d, base, "r1", "2026-06-01T10:00:00+09:00"))
    const plan = currentPlan(doc)!.plan
    const contacts = {
      c1: { occurredAt: "2026-11-20T10:00:00+09:00", planConfirmed: "r1" },
      c2: { occurredAt: "2026-12-01T10:00:00+09:00", planConfirmed: "r0" },
    }
    expect(lastConfirmed({ contacts }, plan)).toBe("2026-11-20")
    expect(lastConfirmed({ contacts: {} }, plan)).toBe("2026-06-01")
  })
})
