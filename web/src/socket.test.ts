import { describe, expect, it, vi } from "vitest"
import * as A from "@automerge/automerge"
import { Repo, cbor, type PeerId } from "@automerge/automerge-repo"
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import { TabletSocketAdapter, writeTo } from "./socket"

/** A WebSocket whose state the test sets: what the server sent last, and whether it is closing. */
class FakeSocket {
  readyState = 1
  binaryType = "arraybuffer"
  sent: Record<string, unknown>[] = []
  addEventListener() {}
  removeEventListener() {}
  send(bytes: ArrayBuffer) {
    this.sent.push(cbor.decode(new Uint8Array(bytes)) as Record<string, unknown>)
  }
  close() {
    this.readyState = 3
  }
}

/** An adapter on a fake socket (its own `connect` would open a real one). */
function onFakeSocket(Base: typeof BrowserWebSocketClientAdapter) {
  return class Harness extends Base {
    fake = new FakeSocket()
    override connect(peerId: PeerId) {
      this.peerId = peerId
      this.socket = this.fake as unknown as WebSocket as never
      this.join()
    }
  }
}
const SERVER = "storage-server-1" as PeerId
const tick = () => new Promise(r => setTimeout(r, 20))

/** The server's side of the conversation: a peer message, then sync messages for one document. */
function fromServer(adapter: InstanceType<ReturnType<typeof onFakeSocket>>, message: Record<string, unknown>) {
  adapter.receiveMessage(cbor.encode({ senderId: SERVER, targetId: adapter.peerId, ...message }))
}

type Doc = { contacts: Record<string, string> }

/**
 * A tablet holding one document (contact c1) connected to the server; the server's copy gains a
 * contact (c2, another tablet's), sends it as a sync message and closes the connection right after
 * (an error, a restart): the tablet's answer to that message finds the socket closing.
 */
async function closedMidSync(Base: typeof BrowserWebSocketClientAdapter) {
  const adapter = new (onFakeSocket(Base))("ws://unused", 60_000)
  const repo = new Repo({ network: [adapter], sharePolicy: async () => true })
  const handle = repo.create<Doc>({ contacts: {} })
  handle.change(d => {
    d.contacts.c1 = "訪問"
  })
  await tick() // the repo connects its adapter
  fromServer(adapter, { type: "peer", peerMetadata: { isEphemeral: false }, selectedProtocolVersion: "1" })
  await tick()
  let server = A.load<Doc>(A.save(handle.doc()))
  server = A.change(server, d => {
    d.contacts.c2 = "電話"
  })
  const data = A.encodeSyncMessage({
    heads: A.getHeads(server),
    need: [],
    have: [{ lastSync: [], bloom: new Uint8Array() }],
    changes: [A.getLastLocalChange(server)!],
  })
  adapter.fake.readyState = 2
  fromServer(adapter, { type: "sync", documentId: handle.documentId, data })
  await tick()
  return { adapter, repo, handle, server }
}

describe("the tablet's sync socket", () => {
  it("a record typed after the server closed mid-sync is saved (the document does not wedge)", async () => {
    const { adapter, repo, handle, server: before } = await closedMidSync(TabletSocketAdapter)
    let server = before
    expect(handle.doc().contacts.c2).toBe("電話")

    // The commissioner goes on recording: the next record is saved, not refused.
    expect(() =>
      handle.change(d => {
        d.contacts.c3 = "あいさつ"
      }),
    ).not.toThrow()
    expect(handle.doc().contacts).toEqual({ c1: "訪問", c2: "電話", c3: "あいさつ" })

    // The tablet reconnects and sends the new record to the server.
    adapter.onClose()
    await tick()
    adapter.fake = new FakeSocket()
    adapter.connect(adapter.peerId!)
    fromServer(adapter, { type: "peer", peerMetadata: { isEphemeral: false }, selectedProtocolVersion: "1" })
    await tick()
    const sync = adapter.fake.sent.filter(m => m.type === "sync" || m.type === "request")
    expect(sync.length).toBeGreaterThan(0)
    let state = A.initSyncState()
    for (const m of sync) {
      ;[server, state] = A.receiveSyncMessage(server, state, m.data as Uint8Array)
    }
    // One round may carry only heads: answer until the tablet has sent what the server lacks.
    for (let round = 0; round < 4 && !server.contacts.c3; round++) {
      const [next, reply] = A.generateSyncMessage(server, state)
      state = next
      if (!reply) break
      adapter.fake.sent = []
      fromServer(adapter, { type: "sync", documentId: handle.documentId, data: reply })
      await tick()
      for (const m of adapter.fake.sent.filter(m => m.type === "sync")) {
        ;[server, state] = A.receiveSyncMessage(server, state, m.data as Uint8Array)
      }
    }
    expect(server.contacts.c3).toBe("あいさつ")
    repo.shutdown()
  })

  it("a document left outdated by an exception inside the repo still takes the next record", async () => {
    // automerge-repo's own adapter, which throws on a closing socket: the document wedges (the
    // repo logs the throw; the log is not this test's business).
    const quiet = vi.spyOn(console, "log").mockImplementation(() => {})
    const { repo, handle } = await closedMidSync(BrowserWebSocketClientAdapter)
    expect(() => handle.change(d => void (d.contacts.c3 = "x")), "the document is wedged").toThrow(/outdated/)

    writeTo(handle, d => {
      d.contacts.c3 = "あいさつ"
    })
    expect(handle.doc().contacts.c3).toBe("あいさつ")
    writeTo(handle, d => {
      d.contacts.c4 = "訪問"
    })
    expect(handle.doc().contacts).toMatchObject({ c3: "あいさつ", c4: "訪問" })
    repo.shutdown()
    quiet.mockRestore()
  })

  it("a change the server will not store is reported, and the adapter still reconnects", async () => {
    const refused: string[] = []
    const adapter = new TabletSocketAdapter("ws://unused", 0, r => refused.push(r))
    const lost: unknown[] = []
    adapter.remotePeerId = SERVER
    adapter.on("peer-disconnected", p => lost.push(p))
    ;(adapter.onClose as (e: unknown) => void)({ code: 1013, reason: "storage unavailable" })
    expect(refused, "an ordinary close is not a refusal").toEqual([])
    ;(adapter.onClose as (e: unknown) => void)({ code: 4413, reason: "document too large" })
    expect(refused).toEqual(["document too large"])
    expect(lost.length, "the repo hears of each close as before").toBe(2)
  })
})
