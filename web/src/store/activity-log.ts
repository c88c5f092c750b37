// The caller's own activity log (活動記録: 定例会, 研修, 連絡調整 …), one document per
// commissioner: opening and following it, what of it is unsent, and writing entries. Owns
// localStorage "mimamori.activityLog" (the document's url: an id, no data).

import { Automerge as A, type AutomergeUrl, type DocHandle } from "@automerge/automerge-repo/slim"
import { nowJst, type ActivityKind, type ActivityLogDoc } from "../schema"
import { LOG_RECORDS, unsentOf } from "../pending"
import { writeSelf } from "../safety"
import { api } from "../api"
import type { StateCell } from "./state"
import { change, type Sync } from "./sync"
import { shown, type ServerHeads } from "./unsent"
import { load, save } from "./util"

const LS_ACTIVITY = "mimamori.activityLog" // the caller's activity log document url (an id, no data)

export class ActivityLog {
  private handle?: DocHandle<ActivityLogDoc>

  constructor(
    private cell: StateCell,
    private sync: Sync,
    private heads: ServerHeads,
  ) {}

  /** The log's url as last heard from the server (undefined: this tablet has none). */
  static cachedUrl(): AutomergeUrl | undefined {
    return load<AutomergeUrl | undefined>(LS_ACTIVITY, undefined)
  }

  /** Asks the server for the log's url (on its own: a failure must not hold up anything else). */
  refresh() {
    void api
      .activityLog()
      .then(log => {
        save(LS_ACTIVITY, log.document_url)
        if (this.sync.repo) void this.open(log.document_url as AutomergeUrl)
      })
      .catch(() => {})
  }

  /** Opens the log and follows what of it is unsent. */
  async open(url: AutomergeUrl) {
    const repo = this.sync.repo
    if (!repo || this.handle?.url === url) return
    let handle: DocHandle<ActivityLogDoc>
    try {
      handle = await repo.find<ActivityLogDoc>(url, { allowableStates: ["ready", "unavailable"] })
    } catch {
      // Not stored here and not to be had: nothing of it can be unsent on this tablet.
      this.cell.set({ activityKnown: true })
      return
    }
    if (this.handle?.url === url) return
    this.handle = handle
    const refresh = () => {
      const doc = handle.isReady() ? handle.doc() : undefined
      if (!doc) return
      const heads = this.heads.of(url)
      const unsent = unsentOf(doc, heads, LOG_RECORDS)
      const prev = this.cell.get().activityLog
      const pending = unsent ? unsent.contacts : (prev?.pending ?? [])
      // An entry taken back that the server still counts (known only once the server has reported).
      const pendingEdit = unsent ? !!heads && unsent.edit : !!prev?.pendingEdit
      this.cell.set(shown(this.cell.get().docs, { url, doc: doc as ActivityLogDoc, pending, pendingEdit }))
    }
    if (!handle.isReady()) void handle.whenReady(["ready"]).then(refresh)
    this.heads.follow(this.sync.repo, url, handle, refresh)
    // Read (ready: its unsent entries are counted now) or not stored here (nothing of it unsent).
    this.cell.set({ activityKnown: true })
  }

  /** Records one of the caller's own activities (saved here at once; sent when online). */
  record(a: { date: string; kind: ActivityKind; note: string }): boolean {
    const handle = this.handle
    if (!handle?.isReady()) return false
    const id = crypto.randomUUID()
    const I = (v: string) => new A.ImmutableString(v)
    change(handle, d => {
      if (!d.activities) (d as { activities: object }).activities = {}
      ;(d.activities as unknown as Record<string, unknown>)[id] = {
        id: I(id),
        date: I(a.date),
        kind: I(a.kind),
        note: I(a.note.trim()),
        createdAt: I(nowJst()),
      }
    })
    return true
  }

  /** 災害モード: the caller's own status (本人の安全), in their log (saved here at once). */
  recordSelf(disasterId: string, status: "safe" | "needs_help"): boolean {
    const handle = this.handle
    if (!handle?.isReady()) return false
    change(handle, d => void writeSelf(d, disasterId, status))
    return true
  }

  /** The log as it is here (for the caller's own status). */
  doc() {
    return this.handle?.isReady() ? this.handle.doc() : undefined
  }

  /** Takes back a mistaken activity entry (here at once; the server's count follows when sent). */
  remove(id: string) {
    change(this.handle, d => {
      delete (d.activities as unknown as Record<string, unknown>)[id]
    })
  }
}
