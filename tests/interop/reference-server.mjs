#!/usr/bin/env node
// Reference automerge-repo sync server (for benchmarks / interop baselines).
//
//   node reference-server.mjs [PORT] [STORAGE_DIR]
//   PORT=... STORAGE_DIR=... node reference-server.mjs
//
// PORT 0 (default) picks a free port. STORAGE_DIR defaults to a fresh temp dir.
// Binds 127.0.0.1, accepts WebSocket upgrades on any path (so ws://.../sync
// works) with any headers. Uses the official Repo + NodeWSServerAdapter +
// NodeFSStorageAdapter, with sharePolicy "never announce" like the official
// automerge-repo-sync-server (documents are only sent to peers that ask).
//
// stdout (JSON lines):
//   {"listening": PORT, "storageDir": "...", "peerId": "...", "storageId": "..."}
//   {"connection": {"url": "/sync", "cookie": "...", "origin": "..."}}   per upgrade
// Exits 0 on SIGTERM/SIGINT after flushing storage. REF_QUIET=1 drops the per-upgrade lines
// (benchmarks).
//
// REF_NO_STORAGE_ID=1: advertise empty peerMetadata ({}) in the `peer`
// message, i.e. no storageId — mimics a server that does not send one, so the
// client's fallback paths (no handle.getSyncInfo, no persisted sync state)
// can be exercised. Storage still works as usual.

import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { WebSocketServer } from "ws"
import { Repo } from "@automerge/automerge-repo"
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"

const port = Number(process.argv[2] ?? process.env.PORT ?? 0)
const storageDir =
  process.argv[3] ??
  process.env.STORAGE_DIR ??
  fs.mkdtempSync(path.join(os.tmpdir(), "mimamori-refserver-"))
fs.mkdirSync(storageDir, { recursive: true })

const out = obj => process.stdout.write(JSON.stringify(obj) + "\n")

const wss = new WebSocketServer({ host: "127.0.0.1", port })
wss.on("connection", (_socket, req) => {
  if (process.env.REF_QUIET) return
  out({
    connection: {
      url: req.url,
      cookie: req.headers.cookie ?? null,
      origin: req.headers.origin ?? null,
    },
  })
})

// The Repo lazily creates its storageId (StorageSubsystem.id(): load key
// ["storage-adapter-id"], else save a fresh UUID). Two concurrent first calls
// race and can advertise an id that differs from the one persisted, so we
// create it up front, before the Repo (and anyone else) asks for it.
const storage = new NodeFSStorageAdapter(storageDir)
let storageId = await storage.load(["storage-adapter-id"])
if (storageId) {
  storageId = new TextDecoder().decode(storageId)
} else {
  storageId = crypto.randomUUID()
  await storage.save(["storage-adapter-id"], new TextEncoder().encode(storageId))
}

const noStorageId = ["1", "true", "yes"].includes(process.env.REF_NO_STORAGE_ID ?? "")
const serverAdapter = new NodeWSServerAdapter(wss)
if (noStorageId) {
  // The Repo hands its peerMetadata ({storageId, isEphemeral}) to the adapter's
  // connect(); the adapter echoes it in every `peer` message. Replace it.
  const connect = serverAdapter.connect.bind(serverAdapter)
  serverAdapter.connect = (peerId, _peerMetadata) => connect(peerId, {})
}

const repo = new Repo({
  network: [serverAdapter],
  storage,
  peerId: process.env.PEER_ID || `refserver-${process.pid}`,
  sharePolicy: async () => false,
})

await new Promise((resolve, reject) => {
  if (wss.address()) return resolve()
  wss.once("listening", resolve)
  wss.once("error", reject)
})

out({
  listening: wss.address().port,
  storageDir,
  peerId: repo.peerId,
  storageId,
  advertisesStorageId: !noStorageId,
})

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  try {
    await Promise.race([repo.shutdown(), new Promise(r => setTimeout(r, 3000))])
  } catch {
    /* ignore */
  }
  wss.close()
  process.exit(0)
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
