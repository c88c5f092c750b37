import { describe, expect, it } from "vitest"
import { EncryptedStorage } from "./vault"
import { MemoryStorage } from "./memory-storage.testing"

async function storage() {
  const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"])
  const inner = new MemoryStorage()
  return { inner, store: new EncryptedStorage(inner, key, ["doc-gone-before"]) }
}

const note = new TextEncoder().encode("試験 花子 さんの メモ")

function contains(hay: Uint8Array, needle: Uint8Array) {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

describe("EncryptedStorage", () => {
  it("stores ciphertext and reads the plaintext back", async () => {
    const { inner, store } = await storage()
    await store.save(["doc1", "incremental", "h1"], note)
    const raw = [...inner.data.values()][0]
    expect(contains(raw, note)).toBe(false)
    expect(await store.load(["doc1", "incremental", "h1"])).toEqual(note)
  })

  it("a chunk moved to another document's key does not open", async () => {
    const { inner, store } = await storage()
    await store.save(["doc1", "snapshot", "h1"], note)
    inner.data.set(JSON.stringify(["doc2", "snapshot", "h1"]), inner.data.get(JSON.stringify(["doc1", "snapshot", "h1"]))!)
    await expect(store.load(["doc2", "snapshot", "h1"])).rejects.toThrow()
  })

  it("a forgotten document leaves nothing, even a save that was encrypting during the delete", async () => {
    const { inner, store } = await storage()
    await store.save(["doc1", "snapshot", "h1"], note)
    await store.save(["doc9", "snapshot", "h1"], note)
    const late = store.save(["doc1", "sync-state", "server"], note) // still encrypting
    await store.forget("doc1")
    await late
    await store.save(["doc1", "incremental", "h2"], note) // a throttled save after the delete
    expect(await inner.loadRange(["doc1"])).toEqual([])
    expect((await inner.loadRange(["doc9"])).length).toBe(1) // other residents untouched
  })

  it("refuses documents forgotten before a reload, until assigned anew", async () => {
    const { inner, store } = await storage()
    await store.save(["doc-gone-before", "snapshot", "h1"], note)
    expect(inner.data.size).toBe(0)
    store.allow("doc-gone-before")
    await store.save(["doc-gone-before", "snapshot", "h1"], note)
    expect(await store.load(["doc-gone-before", "snapshot", "h1"])).toEqual(note)
  })
})
