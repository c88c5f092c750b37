import { describe, expect, it } from "vitest"
import * as A from "@automerge/automerge"
import { ackedHeads, sendStatus, unsentOf, LOG_RECORDS } from "./pending"
import type { ActivityLogDoc, ResidentDoc } from "./schema"

function resident(): A.Doc<ResidentDoc> {
  return A.from<Record<string, unknown>>({
    schema: 1,
    residentId: "r1",
    profile: { name: "試験 花子", kana: "しけん", address: "", phone: "", household: "", categories: [], emergencyContacts: [], notes: "" },
    contacts: {},
    reviews: {},
  }) as unknown as A.Doc<ResidentDoc>
}

function addContact(doc: A.Doc<ResidentDoc>, id: string) {
  return A.change(doc, d => {
    ;(d.contacts as Record<string, unknown>)[id] = { id: new A.ImmutableString(id), note: new A.ImmutableString("メモ") }
  })
}

describe("unsentOf", () => {
  it("counts everything as unsent before the server has acknowledged the document", () => {
    const doc = addContact(resident(), "c1")
    expect(unsentOf(doc, undefined)).toEqual({ contacts: ["c1"], edit: true })
  })

  it("reports nothing once the server's heads cover ours", () => {
    const doc = addContact(resident(), "c1")
    expect(unsentOf(doc, A.getHeads(doc))).toEqual({ contacts: [], edit: false })
  })

  it("lists exactly the contacts recorded after the server's heads", () => {
    const server = addContact(resident(), "c1")
    const heads = A.getHeads(server)
    const later = addContact(addContact(server, "c2"), "c3")
    expect(unsentOf(later, heads)?.contacts.sort()).toEqual(["c2", "c3"])
    expect(unsentOf(later, heads)?.edit).toBe(false)
  })

  it("lists the activity log's entries the server lacks (its own section)", () => {
    const log = A.from<Record<string, unknown>>({ schema: 1, type: "activity_log", userId: "u1", activities: {} }) as unknown as A.Doc<ActivityLogDoc>
    const add = (doc: A.Doc<ActivityLogDoc>, id: string) =>
      A.change(doc, d => {
        ;(d.activities as Record<string, unknown>)[id] = { id: new A.ImmutableString(id), kind: new A.ImmutableString("liaison") }
      })
    const server = add(log, "a1")
    const later = add(server, "a2")
    expect(unsentOf(later, A.getHeads(server), LOG_RECORDS)).toEqual({ contacts: ["a2"], edit: false })
    expect(unsentOf(later, undefined, LOG_RECORDS)?.contacts.sort()).toEqual(["a1", "a2"])
  })

  it("counts a profile edit the server lacks as one unsent edit", () => {
    const server = resident()
    const heads = A.getHeads(server)
    const edited = A.change(server, d => {
      d.profile.phone = new A.ImmutableString("0166-55-1234") as unknown as string
    })
    expect(unsentOf(edited, heads)).toEqual({ contacts: [], edit: true })
  })

  it("counts an answer written on a contact the server already has as an unsent edit", () => {
    const server = addContact(resident(), "c1")
    const heads = A.getHeads(server)
    const answered = A.change(server, d => {
      const c = (d.contacts as unknown as Record<string, Record<string, unknown>>)["c1"]
      c.answer = new A.ImmutableString("再訪して確認しました")
    })
    expect(unsentOf(answered, heads)).toEqual({ contacts: [], edit: true })
  })

  it("still knows what is unsent when the server also has changes from another tablet", () => {
    const base = resident()
    const other = addContact(A.clone(base), "from-other-tablet")
    const mine = addContact(A.merge(A.clone(base), other), "mine")
    // The server has the base and the other tablet's contact, not ours.
    expect(unsentOf(mine, A.getHeads(other))).toEqual({ contacts: ["mine"], edit: false })
  })

  it("keeps the newest acknowledgement when an older report of the server's heads comes later", () => {
    const first = addContact(resident(), "c1")
    const older = A.getHeads(first)
    const later = addContact(first, "c2")
    const newer = A.getHeads(later)
    // automerge-repo replays a saved sync state that is a step behind: nothing becomes unsent again.
    expect(ackedHeads(later, newer, older)).toEqual(newer)
    expect(unsentOf(later, ackedHeads(later, newer, older))).toEqual({ contacts: [], edit: false })
    // A newer report replaces the older one.
    expect(ackedHeads(later, older, newer)).toEqual(newer)
    // Two tablets' changes, each acknowledged separately: the server holds both.
    const other = addContact(A.clone(first), "c3")
    const merged = A.merge(A.clone(later), other)
    expect(ackedHeads(merged, newer, A.getHeads(other)).sort()).toEqual([...newer, ...A.getHeads(other)].sort())
    expect(unsentOf(merged, ackedHeads(merged, newer, A.getHeads(other)))).toEqual({ contacts: [], edit: false })
  })

  it("waits when the server reports changes this tablet has not received", () => {
    const base = resident()
    const serverOnly = addContact(A.clone(base), "x")
    const mine = addContact(base, "mine")
    expect(unsentOf(mine, A.getHeads(serverOnly))).toBeUndefined()
  })
})

describe("sendStatus", () => {
  const loaded = { doc: {} }
  it("says nothing is known before the store is open, even with no count", () => {
    expect(sendStatus({ open: false, pending: 0, docs: [], activityKnown: false })).toEqual({ state: "unknown" })
    expect(sendStatus({ open: false, pending: 0, docs: [loaded], activityKnown: true })).toEqual({ state: "unknown" })
  })
  it("counts unsent as soon as any is known", () => {
    expect(sendStatus({ open: true, pending: 3, docs: [loaded, {}], activityKnown: false })).toEqual({ state: "unsent", count: 3 })
  })
  it("says 送信済み only when every document has been read and compared", () => {
    expect(sendStatus({ open: true, pending: 0, docs: [loaded, {}], activityKnown: true })).toEqual({ state: "checking" })
    expect(sendStatus({ open: true, pending: 0, docs: [loaded], activityKnown: false })).toEqual({ state: "checking" })
    expect(sendStatus({ open: true, pending: 0, docs: [loaded, { unavailable: true }], activityKnown: true })).toEqual({ state: "sent" })
    expect(sendStatus({ open: true, pending: 0, docs: [], activityKnown: true })).toEqual({ state: "sent" })
  })
})

describe("安否 records", () => {
  it("count as records, each 1件, beside contacts; a schema bump alone is no edit", () => {
    const server = A.from<Record<string, unknown>>({ schema: 1, contacts: {}, profile: { name: "x" } })
    const heads = A.getHeads(server)
    const later = A.change(A.clone(server), d => {
      d.schema = 2
      d.safety = { s1: { id: "s1", status: "safe" }, s2: { id: "s2", status: "needs_help" } }
      ;(d.contacts as Record<string, unknown>).c1 = { id: "c1" }
    })
    const u = unsentOf(later as never, heads)
    expect(u?.contacts.sort()).toEqual(["c1", "s1", "s2"])
    expect(u?.edit).toBe(false)
  })
})
