// The automerge-repo Repo: its encrypted IndexedDB storage and the WebSocket to the server's /sync,
// whether the server is connected (`online`), and the documents deleted from this tablet (late
// writes for them are refused). Owns localStorage "mimamori.gone".

import { Repo, type AutomergeUrl, type DocHandle, type PeerId } from "@automerge/automerge-repo/slim"
import { IndexedDBStorageAdapter } from "@automerge/automerge-repo-storage-indexeddb"
import { TabletSocketAdapter, writeTo } from "../socket"
import { EncryptedStorage, DB_NAME } from "../vault"
import type { StateCell } from "./state"
import { load, save } from "./util"

const LS_GONE = "mimamori.gone" // document ids deleted here: late writes for them are refused

/** Writes to a document here (see `writeTo`); false when there is no such document. */
export function change<T>(handle: DocHandle<T> | undefined, fn: (d: T) => void): boolean {
  if (!handle) return false
  writeTo(handle, fn)
  return true
}

export class Sync {
  /** Set once the PIN has opened the store. */
  repo?: Repo
  private storage?: EncryptedStorage
  private serverPeers = new Set<PeerId>()

  /** `reached`: the server connected, or went (the session may have ended): ask who we are. */
  constructor(
    private cell: StateCell,
    private reached: () => void,
  ) {}

  /**
   * Opens the encrypted store with the data key and, for a role that keeps records (`network`),
   * starts syncing. Returns the store (drafts live there too).
   */
  start(key: CryptoKey, network: boolean): EncryptedStorage {
    const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/sync`
    const storage = new EncryptedStorage(new IndexedDBStorageAdapter(DB_NAME), key, load<string[]>(LS_GONE, []))
    this.storage = storage
    this.repo = new Repo({
      storage,
      network: network ? [new TabletSocketAdapter(wsUrl, 3000, reason => this.cell.set({ refused: reason || "refused" }))] : [],
      // The server decides who may see a document; we never announce ours to anyone else.
      sharePolicy: async () => true,
    })
    this.repo.networkSubsystem.on("peer", ({ peerId }) => {
      this.serverPeers.add(peerId)
      this.cell.set({ online: true })
      // Back in touch with the server: send queued 既読 marks, fetch notices.
      this.reached()
    })
    this.repo.networkSubsystem.on("peer-disconnected", ({ peerId }) => {
      this.serverPeers.delete(peerId)
      this.cell.set({ online: this.serverPeers.size > 0 })
      // The server closes the connection when the session ends: find out whether that is why.
      setTimeout(() => this.reached(), 500)
    })
    return storage
  }

  /** A document deleted here once and now listed again (assigned anew) may be stored again. */
  allowListed(listed: Set<string>) {
    const gone = load<string[]>(LS_GONE, [])
    const back = gone.filter(id => listed.has(`automerge:${id}`))
    if (back.length) {
      for (const id of back) this.storage?.allow(id)
      save(LS_GONE, gone.filter(id => !back.includes(id)))
    }
  }

  /** Deletes documents from the Repo and the store; late writes for them are refused. */
  delete(urls: AutomergeUrl[]) {
    if (!this.repo) return
    const gone = new Set(load<string[]>(LS_GONE, []))
    for (const url of urls) {
      this.repo.delete(url)
      const id = url.slice("automerge:".length)
      gone.add(id)
      void this.storage?.forget(id)
    }
    save(LS_GONE, [...gone])
  }
}
