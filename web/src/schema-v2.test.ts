import { describe, expect, it } from "vitest"
import * as A from "@automerge/automerge"
import { Repo } from "@automerge/automerge-repo/slim"
import fixture from "../../tests/fixtures/schema-v1/tablet-registered.automerge?inline"
import { MemoryStorage } from "./memory-storage.testing"
import { unsentOf } from "./pending"
import { SCHEMA_VERSION, type ResidentDoc } from "./schema"
import { ensureSection, schemaOf, sectionEntries, sectionMaps, upgrade } from "./schema-v2"
import { writeTo } from "./socket"

type Doc = Record<string, unknown>
const I = (v: string) => new A.ImmutableString(v)

/** The 0.1 app's registerResident, saved at schema 1 (tests/fixtures/schema-v1/). */
function v1Bytes(): Uint8Array {
  const b64 = fixture.slice(fixture.indexOf(",") + 1)
  return Uint8Array.from(atob(b64), c => c.charCodeAt(0))
}
function v1(actor: string): A.Doc<Doc> {
  return A.load<Doc>(v1Bytes(), { actor })
}

/** What a schema-2 tablet writes on 安否 and a plan, in one change (socket.ts writeTo's upgrade first). */
function record(doc: A.Doc<Doc>, safetyId: string, planId?: string): A.Doc<Doc> {
  return A.change(doc, d => {
    upgrade(d)
    ensureSection<unknown>(d, "safety")[safetyId] = { id: I(safetyId), disasterId: I(""), status: I("safe"), memo: I(""), at: I("2026-12-01T08:00:00+09:00"), authorId: I("u") }
    if (planId) ensureSection<unknown>(d, "evacuationPlans")[planId] = { id: I(planId), consent: I("agreed"), needs: [I("wheelchair")], at: I("2026-12-01T08:00:00+09:00"), authorId: I("u") }
  })
}

describe("schema 2 on a schema-1 document", () => {
  it("starts from a real schema-1 document", () => {
    const doc = v1("01")
    expect(doc.schema).toBe(1)
    expect(schemaOf(doc)).toBe(1)
    expect(doc.safety).toBeUndefined()
  })

  it("two tablets that upgrade it offline merge to one result, whichever arrives first", () => {
    const a = record(v1("aa"), "s-a", "p-a")
    const b = record(v1("bb"), "s-b")
    const ab = A.merge(A.clone(a), b)
    const ba = A.merge(A.clone(b), a)
    expect(A.getHeads(ab).sort()).toEqual(A.getHeads(ba).sort())
    expect(A.toJS(ab)).toEqual(A.toJS(ba))
    // Two concurrent bumps, both 2; read as 2.
    expect(Object.values(A.getConflicts(ab, "schema") ?? {})).toEqual([2, 2])
    expect(schemaOf(ab)).toBe(2)
    // Each made `safety`: two maps under one key, and both records are read.
    expect(sectionMaps(ab, "safety")).toHaveLength(2)
    for (const doc of [ab, ba]) {
      expect(sectionEntries<{ id: A.ImmutableString }>(doc, "safety").map(e => e.id.toString()).sort()).toEqual(["s-a", "s-b"])
      expect(sectionEntries<{ id: A.ImmutableString }>(doc, "evacuationPlans").map(e => e.id.toString())).toEqual(["p-a"])
    }
    // The v1 data is untouched.
    expect(Object.keys(ab.contacts as object)).toEqual(Object.keys(v1("cc").contacts as object))
  })

  it("writes the bump only when the document reads lower, and reads the highest of a conflict", () => {
    const upgraded = record(v1("aa"), "s-1")
    const again = record(upgraded, "s-2")
    const ops = A.decodeChange(A.getLastLocalChange(again)!).ops
    expect(ops.some(op => op.key === "schema")).toBe(false)
    // A newer app (3) and this one (2) concurrently: 3, and this app does not lower it.
    const newer = A.change(v1("bb"), d => {
      d.schema = 3
    })
    const both = A.merge(A.clone(upgraded), newer)
    expect(schemaOf(both)).toBe(3)
    const after = record(both, "s-3")
    expect(A.decodeChange(A.getLastLocalChange(after)!).ops.some(op => op.key === "schema")).toBe(false)
    expect(schemaOf({ schema: 1 })).toBe(1)
    expect(schemaOf({})).toBe(1)
  })

  it("puts the version as an integer (the server reads an int), in the writer's own change", () => {
    const doc = record(v1("aa"), "s-1")
    const ops = A.decodeChange(A.getLastLocalChange(doc)!).ops
    const bump = ops.find(op => op.key === "schema")
    expect(bump).toMatchObject({ action: "set", obj: "_root", value: 2, datatype: "int" })
    // The same change carries the record: never a change of its own.
    expect(ops.some(op => op.key === "s-1")).toBe(true)
  })

  it("ensureSection never replaces a map that is there", () => {
    const base = record(v1("aa"), "s-0")
    const a = record(A.clone(base, { actor: "ab" }), "s-a")
    const b = record(A.clone(base, { actor: "ba" }), "s-b")
    const merged = A.merge(a, b)
    expect(sectionMaps(merged, "safety")).toHaveLength(1)
    expect(sectionEntries<unknown>(merged, "safety")).toHaveLength(3)
    // What it guards against: a tablet that makes the map again hides what another wrote meanwhile.
    const replaced = A.change(A.clone(base, { actor: "cd" }), d => {
      d.safety = { "s-c": { id: I("s-c") } }
    })
    const lost = A.merge(A.clone(a), replaced)
    expect(sectionEntries<unknown>(lost, "safety").map(e => String((e as { id: unknown }).id))).toEqual(["s-c"])
  })
})

describe("writeTo", () => {
  it("upgrades a schema-1 document in the change that records, and the record is still one unsent record", async () => {
    const repo = new Repo({ network: [], storage: new MemoryStorage() })
    const handle = repo.import<ResidentDoc>(v1Bytes())
    const heads = A.getHeads(handle.doc())
    writeTo(handle, d => {
      ;(d.contacts as unknown as Doc)["c-new"] = { id: I("c-new"), note: I("メモ") }
    })
    const doc = handle.doc()
    expect(schemaOf(doc)).toBe(SCHEMA_VERSION)
    expect(A.getAllChanges(doc).length).toBe(A.getAllChanges(A.load(v1Bytes())).length + 1)
    // 未送信 1件, not 2: the bump rides with the visit and is not an edit of its own.
    expect(unsentOf(doc, heads)).toEqual({ contacts: ["c-new"], edit: false })
  })

  it("makes no change when nothing is written (no bump of its own)", () => {
    const repo = new Repo({ network: [], storage: new MemoryStorage() })
    const handle = repo.import<ResidentDoc>(v1Bytes())
    const heads = A.getHeads(handle.doc())
    writeTo(handle, () => {})
    expect(A.getHeads(handle.doc())).toEqual(heads)
    expect(schemaOf(handle.doc())).toBe(1)
  })

  it("Repo.flush keeps a change made a moment before", async () => {
    const storage = new MemoryStorage()
    const repo = new Repo({ network: [], storage })
    const handle = repo.import<ResidentDoc>(v1Bytes())
    writeTo(handle, d => {
      ;(d.contacts as unknown as Doc)["c-now"] = { id: I("c-now") }
    })
    await repo.flush()
    const again = new Repo({ network: [], storage })
    const reopened = await again.find<ResidentDoc>(handle.url)
    expect(Object.keys(reopened.doc().contacts)).toContain("c-now")
    expect(schemaOf(reopened.doc())).toBe(SCHEMA_VERSION)
  })
})
