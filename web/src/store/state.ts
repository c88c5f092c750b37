// What the screens see of the store: the State they render and DocEntry (one resident's document),
// held in a tiny external store for React's useSyncExternalStore. Owns no localStorage key: each
// module keeps its own part and writes it here with `set`.

import type { AutomergeUrl } from "@automerge/automerge-repo/slim"
import type { ActivityLogDoc, ResidentDoc } from "../schema"
import type { Me, NoticeOut } from "../api"

export interface DocEntry {
  url: AutomergeUrl
  residentId: string
  /** Contact interval in days (from the server; cached). */
  intervalDays: number
  doc?: ResidentDoc
  /** Contact ids this tablet holds that the server does not have yet. */
  pendingContacts: string[]
  /** A profile or review edit the server does not have yet. */
  pendingEdit: boolean
  unavailable?: boolean
  /** Registered from a tablet (新しく見守る方), not yet approved by the district lead. */
  awaitingApproval?: boolean
  /** Review marks in the document the server set aside → the mark it accepted ("" for none): see marks.ts. */
  setAsideReviews?: Record<string, string>
}

/** The caller's activity log as shown: its document and what of it is unsent. */
export interface ActivityLogEntry {
  url: AutomergeUrl
  doc?: ActivityLogDoc
  pending: string[]
  pendingEdit?: boolean
}

/** The app lock: "setup" (choose a PIN), "locked", "open", or why the local data is gone. */
export type Lock = "setup" | "locked" | "open" | "erased" | "revoked" | "expired"

export interface State {
  booted: boolean
  lock: Lock
  /** Wrong PINs so far (10 erase the local data). */
  pinFailures: number
  /** Days left before the local key is erased for want of a check-in (shown from 3 days before). */
  expiryWarningDays?: number
  /** The offline expiry sealed the store: records kept, the PIN opens it once the server is reached. */
  sealed?: boolean
  me?: Me
  /** We have a cached caller but the server refused the session: recording goes on, sync waits. */
  sessionExpired: boolean
  /** Connected to the server's sync endpoint. */
  online: boolean
  /** Last time the server acknowledged anything (ms). */
  lastSync?: number
  docs: DocEntry[]
  /** The caller's own activity log (定例会, 研修, 連絡調整 …) and its entries not yet sent. */
  activityLog?: ActivityLogEntry
  pending: number
  /** The activity log has been read from the store (or there is none here): its unsent part is known. */
  activityKnown: boolean
  /** お知らせ, 緊急 first then newest (cached for offline reading; the city's words, no resident data). */
  notices: NoticeOut[]
  unreadNotices: number
  /** Push notifications: "on", "off" (not asked / refused) or "unsupported". */
  push: "on" | "off" | "unsupported"
  /**
   * The server refused to store a change (a value too long, a record too large, the day's amount
   * spent): its reason code. The records stay here, unsent; cleared once nothing is unsent.
   */
  refused?: string
  /** A new version of the app is ready (store/update.ts): the bar offers it; a safe screen takes it. */
  updateReady?: boolean
  /** The server asks for a newer app than this one (its records are still accepted). */
  updateRequired?: boolean
}

type Listener = () => void

/** The State and its listeners; every module of the store writes through `set`. */
export class StateCell {
  private state: State
  private listeners = new Set<Listener>()

  constructor(initial: State) {
    this.state = initial
  }

  subscribe = (l: Listener) => {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }

  get = () => this.state

  set(patch: Partial<State>) {
    this.state = { ...this.state, ...patch }
    if (this.state.refused && this.state.pending === 0 && patch.pending !== undefined) {
      this.state = { ...this.state, refused: undefined }
    }
    for (const l of this.listeners) l()
  }
}
