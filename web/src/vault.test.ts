import { describe, expect, it } from "vitest"
import { EncryptedStorage, bytesToB64url, vault } from "./vault"
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

describe("the offline expiry seals the store instead of erasing it (D8)", () => {
  it("keeps every record; the PIN opens them again once the server hands the share back", async () => {
    const mem = new Map<string, string>()
    Object.assign(globalThis, {
      navigator: {},
      localStorage: {
        getItem: (k: string) => mem.get(k) ?? null,
        setItem: (k: string, v: string) => void mem.set(k, String(v)),
        removeItem: (k: string) => void mem.delete(k),
      },
    })
    const share = bytesToB64url(crypto.getRandomValues(new Uint8Array(32)))
    await vault.setup("246810", share, { id: "u1", login: "comm-a", name: "試験" })
    const { inner, store } = await storage()
    await store.save(["doc1", "incremental", "unsent"], note)

    vault.forgetShare()
    expect(vault.sealed()).toBe(true)
    expect(vault.cachedShare()).toBeUndefined()
    // The right PIN cannot open it, and no try is counted against the ten.
    expect(await vault.unlock("246810")).toBe("sealed")
    expect(vault.failures()).toBe(0)
    // Nothing was deleted: the wrapped key and the stored records are all still there.
    expect(vault.exists()).toBe(true)
    expect((await inner.loadRange(["doc1"])).length).toBe(1)

    vault.restoreShare(share)
    expect(vault.sealed()).toBe(false)
    expect(await vault.unlock("246810")).toBeInstanceOf(CryptoKey)
  }, 30_000)
})
