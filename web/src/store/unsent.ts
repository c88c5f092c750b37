// 未送信: what the server has acknowledged of each document, and the count of what it has not.
// Owns localStorage "mimamori.serverHeads" and "mimamori.lastSync".
//
// "Sent" means the server has said so: every sync message from the server carries its heads, and the
// server only sends heads that include a change after that change is committed to its database. The
// Repo records those heads per document (`handle.getSyncInfo(serverStorageId)`); we also keep them in
// localStorage so that after an offline reload we still know what was sent. A contact is 未送信 while
// it is missing from the document as of the server's heads.

import { decodeHeads, type AutomergeUrl, type DocHandle, type Repo, type UrlHeads } from "@automerge/automerge-repo/slim"
import { ackedHeads } from "../pending"
import type { ActivityLogEntry, DocEntry, State, StateCell } from "./state"
import { load, save } from "./util"

const LS_HEADS = "mimamori.serverHeads" // {documentUrl: hex heads}
const LS_LAST_SYNC = "mimamori.lastSync"

/** The patch that shows `docs` and the activity log, with the 未送信 total of both. */
export function shown(
  docs: DocEntry[],
  activityLog: ActivityLogEntry | undefined,
): Pick<State, "docs" | "activityLog" | "pending"> {
  const pending =
    docs.reduce((n, d) => n + d.pendingContacts.length + (d.pendingEdit ? 1 : 0), 0) +
    (activityLog?.pending.length ?? 0) +
    (activityLog?.pendingEdit ? 1 : 0)
  return { docs, activityLog, pending }
}

/** The server's heads per document, as it last reported them. */
export class ServerHeads {
  private heads: Record<string, string[]> = load(LS_HEADS, {})
  private saveTimer?: ReturnType<typeof setTimeout>
  /** Erasing: nothing of this tablet's sync state is written back. */
  private stopped = false

  constructor(private cell: StateCell) {
    window.addEventListener("pagehide", () => this.save())
  }

  /** When the server last acknowledged anything, as kept for an offline start. */
  static lastSync(): number | undefined {
    return load<number | undefined>(LS_LAST_SYNC, undefined)
  }

  /** The heads the server last reported for this document (undefined: none yet). */
  of(url: AutomergeUrl): string[] | undefined {
    return this.heads[url]
  }

  /** Calls `refresh` on every change of the document and every report of the server's heads. */
  follow<T>(repo: Repo | undefined, url: AutomergeUrl, handle: DocHandle<T>, refresh: () => void) {
    handle.on("change", refresh)
    const remote = (heads: UrlHeads) => {
      const doc = handle.isReady() ? handle.doc() : undefined
      this.heads[url] = ackedHeads(doc, this.heads[url], decodeHeads(heads))
      this.saveSoon()
      this.cell.set({ lastSync: Date.now() })
      refresh()
    }
    handle.on("remote-heads", ({ heads }) => remote(heads))
    // The server may have answered while `find` was still resolving (before this listener).
    for (const meta of Object.values(repo?.peerMetadataByPeerId ?? {})) {
      const heads = meta?.storageId ? handle.getSyncInfo(meta.storageId)?.lastHeads : undefined
      if (heads) remote(heads)
    }
    refresh()
  }

  /** Documents deleted from this tablet: their heads go at once. */
  forget(urls: AutomergeUrl[]) {
    for (const url of urls) delete this.heads[url]
    save(LS_HEADS, this.heads)
  }

  /** The tablet is being erased: from now on nothing is written back. */
  stop() {
    this.stopped = true
  }

  /**
   * The server's heads (and the last sync time) reach localStorage at most once a second, and when
   * the page goes: a first sync of many documents would otherwise rewrite the whole map per
   * document. A write lost to a crash only over-reports 未送信 until the next sync.
   */
  private saveSoon() {
    this.saveTimer ??= setTimeout(() => this.save(), 1000)
  }

  private save() {
    clearTimeout(this.saveTimer)
    this.saveTimer = undefined
    if (this.stopped) return
    save(LS_HEADS, this.heads)
    const { lastSync } = this.cell.get()
    if (lastSync) save(LS_LAST_SYNC, lastSync)
  }
}
