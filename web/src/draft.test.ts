import { describe, expect, it } from "vitest"
import { EncryptedStorage } from "./vault"
import { MemoryStorage } from "./memory-storage.testing"
import { Drafts, decodeDraft, decodePlanDraft, draftKey, encodeDraft, isBlank, planDraftKey, type RecordDraft } from "./draft"

async function drafts() {
  const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"])
  const inner = new MemoryStorage(1)
  const storage = new EncryptedStorage(inner, key)
  return { inner, storage, drafts: new Drafts(storage) }
}

const NOTE = "玄関先で転んだと話していた（試験メモ）"

function draft(patch: Partial<RecordDraft> = {}): RecordDraft {
  return {
    v: 1,
    savedAt: 1,
    checks: {},
    concern: "none",
    consulted: false,
    fields: [],
    contents: [],
    note: "",
    followUp: false,
    ...patch,
  }
}

function contains(hay: Uint8Array, needle: Uint8Array) {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

describe("record drafts", () => {
  const key = draftKey("doc1", "r1")

  it("an untouched form is blank; anything chosen or typed is not", () => {
    expect(isBlank(draft())).toBe(true)
    expect(isBlank(draft({ note: "  " }))).toBe(true)
    expect(isBlank(draft({ kind: "visit" }))).toBe(false)
    expect(isBlank(draft({ note: "メモ" }))).toBe(false)
    expect(isBlank(draft({ checks: { snow: "ok" } }))).toBe(false)
    expect(isBlank(draft({ fields: ["障害者"] }))).toBe(false)
    expect(isBlank(draft({ consulted: true }))).toBe(false) // the toggle opened is a choice too
    expect(isBlank(draft({ when: "2026-01-05T10:00" }))).toBe(false)
  })

  it("round-trips and refuses what is not a draft", () => {
    const d = draft({ kind: "visit", outcome: "met", note: NOTE, checks: { mailbox: "concern" }, followUp: true })
    expect(decodeDraft(encodeDraft(d))).toEqual(d)
    expect(decodeDraft(new TextEncoder().encode('{"v":2}'))).toBeUndefined()
    expect(decodeDraft(new Uint8Array([0xff, 0x00]))).toBeUndefined()
  })

  it("keeps 「相談・支援をした」, and reads a draft from before it without counting the old preselection", () => {
    const open = draft({ consulted: true, fields: ["子ども"], contents: ["子育て・母子保健"] })
    expect(decodeDraft(encodeDraft(open))).toEqual(open)
    const old = (patch: object) => {
      const { consulted: _, ...rest } = draft({ note: NOTE, ...patch })
      return decodeDraft(new TextEncoder().encode(JSON.stringify(rest)))
    }
    // The form preselected 分野 高齢者: that alone was no consultation.
    expect(old({ fields: ["高齢者"] })).toMatchObject({ consulted: false, fields: [], contents: [] })
    expect(old({ fields: ["高齢者"], contents: ["介護保険"] })).toMatchObject({ consulted: true, fields: ["高齢者"] })
    expect(old({ fields: ["障害者"] })).toMatchObject({ consulted: true, fields: ["障害者"] })
  })

  it("is stored as ciphertext only and comes back (after a reload: a new Drafts on the same store)", async () => {
    const { inner, storage, drafts: a } = await drafts()
    await a.put(key, draft({ kind: "visit", outcome: "met", note: NOTE }))
    expect(inner.data.size).toBe(1)
    const raw = [...inner.data.values()][0]
    expect(contains(raw, new TextEncoder().encode(NOTE))).toBe(false)
    const b = new Drafts(storage)
    expect((await b.load(key))?.note).toBe(NOTE)
    expect(await b.load(draftKey("doc1", "r2"))).toBeUndefined()
  })

  it("the last write wins, and a removal is never overtaken by an older write still encrypting", async () => {
    const { inner, drafts: d } = await drafts()
    for (let i = 1; i <= 20; i++) void d.put(key, draft({ note: NOTE.slice(0, i) }))
    expect((await d.load(key))?.note).toBe(NOTE.slice(0, 20))
    void d.put(key, draft({ note: NOTE + "追記" }))
    await d.remove(key) // saved (or discarded) while the previous keystroke was being stored
    await d.flush()
    expect(inner.data.size).toBe(0)
    expect(await d.load(key)).toBeUndefined()
  })

  it("a blank form removes the kept draft", async () => {
    const { inner, drafts: d } = await drafts()
    await d.put(key, draft({ note: NOTE }))
    await d.put(key, draft())
    expect(inner.data.size).toBe(0)
  })

  it("leaves with the resident's document (an ended assignment) and is not written back after", async () => {
    const { inner, storage, drafts: d } = await drafts()
    await d.put(key, draft({ note: NOTE }))
    await storage.forget("doc1")
    await d.put(key, draft({ note: NOTE + "追記" }))
    expect(inner.data.size).toBe(0)
  })

  it("keeps a half-written 個別避難計画 beside the record's, as ciphertext, and reads back only a plan", async () => {
    const { inner, storage, drafts: a } = await drafts()
    const helper = "近所 一郎（書きかけ試験）"
    const plan = {
      v: 1 as const,
      savedAt: 5,
      consent: "agreed",
      consentOn: "2026-12-01",
      needs: ["oxygen", "wheelchair"],
      helpers: [{ name: helper, relation: "neighbour", phone: "0166-00-0000" }],
      destKind: "welfare",
      destName: "",
      howToReach: "",
      medicalNote: "",
    }
    const pk = planDraftKey("doc1", "r1")
    await a.putPlan(pk, plan)
    await a.put(key, draft({ note: NOTE }))
    expect(inner.data.size).toBe(2)
    for (const raw of inner.data.values()) expect(contains(raw, new TextEncoder().encode(helper))).toBe(false)
    const b = new Drafts(storage)
    expect(await b.loadPlan(pk)).toEqual(plan)
    expect((await b.load(key))?.note).toBe(NOTE)
    await b.remove(pk)
    expect(await b.loadPlan(pk)).toBeUndefined()
    expect(decodePlanDraft(new TextEncoder().encode(JSON.stringify({ v: 2 })))).toBeUndefined()
    expect(decodePlanDraft(new TextEncoder().encode("not json"))).toBeUndefined()
  })
})
