// The tablet's connection to /sync: automerge-repo's browser WebSocket adapter, with one fix.
//
// automerge-repo 2.5.6's adapter throws "Websocket not ready" when asked to send while its socket is
// closing or closed. That happens whenever the server closes the connection (an error, a restart, a
// storage fault: 1011/1012/1013) while a sync message is still being handled: the document
// synchronizer answers from inside `handle.update`, the throw leaves the handle holding a document
// Automerge has already marked outdated, and from then on every `change` fails with "Attempting to
// change an outdated document" until the app restarts — records typed after that were never saved
// (issue 26 item 4). A message for a socket that is not open has nowhere to go anyway: the close
// event follows, the repo forgets this peer's sync state, and the next connection starts the sync
// protocol over, so dropping it loses nothing.

import { Automerge as A, type DocHandle } from "@automerge/automerge-repo/slim"
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import { upgradeIfWritten } from "./schema-v2"

/** `WebSocket.OPEN` (the constant, not the global: the adapter also runs under Node in tests). */
const OPEN = 1

/** The server's close code for a change it will not store (a value too long, a document past its
 * byte quota, the user's bytes for the day spent): the records stay on the tablet, unsent. */
export const REFUSED_CLOSE = 4413

export class TabletSocketAdapter extends BrowserWebSocketClientAdapter {
  /** `onRefused(reason)` hears of a close with {@link REFUSED_CLOSE}. */
  constructor(url: string, retryInterval: number, onRefused?: (reason: string) => void) {
    super(url, retryInterval)
    // The parent's close handler is an arrow-function field (not on the prototype): wrap it.
    const parentClose = this.onClose
    this.onClose = ((e?: { code?: number; reason?: string }) => {
      if (e?.code === REFUSED_CLOSE) onRefused?.(e.reason ?? "")
      parentClose()
    }) as typeof this.onClose
  }

  override send(message: Parameters<BrowserWebSocketClientAdapter["send"]>[0]) {
    if (this.socket && this.socket.readyState !== OPEN) return
    super.send(message)
  }
}

/**
 * Writes to a document, every write of the app: a document below this app's schema version is
 * upgraded in the same change as what `fn` writes (schema-v2.ts `upgradeIfWritten`; never in a change
 * of its own). Should its handle hold a document Automerge has marked outdated (what the
 * throw above did; any exception inside the repo while it applies a sync message would do the same),
 * the handle takes a writable copy of what it holds and the write is made on that: the record is
 * saved, not refused, and the next sync sends it.
 */
export function writeTo<T>(handle: DocHandle<T>, fn: (d: T) => void) {
  const write = (d: T) => {
    fn(d)
    upgradeIfWritten(d as object)
  }
  try {
    handle.change(write)
  } catch (e) {
    if (!(e instanceof RangeError && /outdated/.test(e.message))) throw e
    handle.update(d => A.clone(d))
    handle.change(write)
  }
}
