// お知らせ: the city's notices, cached for offline reading (the city's words, no resident data), and
// 既読 marks made offline, queued until the server is reached. Owns localStorage "mimamori.notices"
// and "mimamori.readQueue".

import { api, ApiError, type NoticeOut } from "../api"
import type { State, StateCell } from "./state"
import { load, save } from "./util"

const LS_NOTICES = "mimamori.notices"
const LS_READ_QUEUE = "mimamori.readQueue" // notice ids read here, 既読 not yet at the server

/** The list as shown: 緊急 first then newest, and how many are unread. */
function noticeState(notices: NoticeOut[]): Pick<State, "notices" | "unreadNotices"> {
  const rank = (p: string) => (p === "urgent" ? 0 : p === "important" ? 1 : 2)
  const sorted = [...notices].sort((a, b) => rank(a.priority) - rank(b.priority) || (b.sent_at ?? 0) - (a.sent_at ?? 0))
  return { notices: sorted, unreadNotices: sorted.filter(n => !n.read).length }
}

export class Notices {
  constructor(private cell: StateCell) {}

  /** The cached list, for the first screen (offline too). */
  static cached(): Pick<State, "notices" | "unreadNotices"> {
    return noticeState(load<NoticeOut[]>(LS_NOTICES, []))
  }

  /** Sends queued 既読 marks, then fetches the list (keeps the cached one when offline). */
  async refresh() {
    await this.flushReads()
    try {
      const list = await api.notices()
      const queued = new Set(load<string[]>(LS_READ_QUEUE, []))
      const merged = list.map(n => (queued.has(n.id) ? { ...n, read: true } : n))
      save(LS_NOTICES, merged)
      this.cell.set(noticeState(merged))
    } catch {
      /* offline: the cached list stays */
    }
  }

  /** Opening a notice records 既読: at once when online, else queued and sent on reconnect. */
  async markRead(id: string) {
    const n = this.cell.get().notices.find(x => x.id === id)
    if (!n || n.read) return
    const list = this.cell.get().notices.map(x => (x.id === id ? { ...x, read: true } : x))
    save(LS_NOTICES, list)
    save(LS_READ_QUEUE, [...new Set([...load<string[]>(LS_READ_QUEUE, []), id])])
    this.cell.set(noticeState(list))
    await this.flushReads()
  }

  private async flushReads() {
    for (const id of load<string[]>(LS_READ_QUEUE, [])) {
      try {
        await api.markRead(id)
      } catch (e) {
        // 404: withdrawn or not ours any more — nothing to keep. Otherwise retry later.
        if (!(e instanceof ApiError && e.status === 404)) return
      }
      save(LS_READ_QUEUE, load<string[]>(LS_READ_QUEUE, []).filter(x => x !== id))
    }
  }
}
