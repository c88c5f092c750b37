// Test support for Vitest (imported only by *.test.ts, never by the app): IndexedDB's behaviour in
// memory, keys as arrays and ranges by prefix, as automerge-repo's storage adapters see it.
import type { Chunk, StorageAdapterInterface, StorageKey } from "@automerge/automerge-repo/slim"

export class MemoryStorage implements StorageAdapterInterface {
  data = new Map<string, Uint8Array>()
  /** `slowMs`: each load, save and remove waits this long first (0: at once), as IndexedDB does. */
  constructor(private slowMs = 0) {}
  private tick = () => (this.slowMs > 0 ? new Promise(r => setTimeout(r, this.slowMs)) : Promise.resolve())
  async load(key: StorageKey) {
    await this.tick()
    return this.data.get(JSON.stringify(key))
  }
  async save(key: StorageKey, data: Uint8Array) {
    await this.tick()
    this.data.set(JSON.stringify(key), data)
  }
  async remove(key: StorageKey) {
    await this.tick()
    this.data.delete(JSON.stringify(key))
  }
  async loadRange(prefix: StorageKey): Promise<Chunk[]> {
    return [...this.data]
      .map(([k, data]) => ({ key: JSON.parse(k) as StorageKey, data }))
      .filter(c => prefix.every((p, i) => c.key[i] === p))
  }
  async removeRange(prefix: StorageKey) {
    for (const c of await this.loadRange(prefix)) this.data.delete(JSON.stringify(c.key))
  }
}
