#!/usr/bin/env node
// Mimamori tablet simulator.
//
// Drives the official, unmodified @automerge/automerge-repo client (with the
// official WebSocket client adapter and the NodeFS storage adapter standing in
// for a tablet's IndexedDB) through a JSON plan:
//
//   node tablet.mjs plan.json
//
// Plan:
//   { "url": "ws://127.0.0.1:PORT/sync" | null,   // null = offline: no network adapter at all
//     "cookie": "mimamori_session=...; mimamori_device=...",
//     "origin": "http://127.0.0.1:PORT",
//     "storageDir": "/tmp/...",                  // persists local state across runs
//     "peerId": "optional fixed peer id",
//     "retryIntervalMs": 5000,                   // optional; adapter reconnect interval
//     "steps": [ {"op": ...}, ... ] }
//
// Ops: create, open, addContact, setProfile, review, addSafety, addPlan,
// waitSynced, dump, heads, sleep (see README-style notes next to each handler
// below). addSafety and addPlan write as a schema-2 app does (upgrade in the
// same change, the section made only when absent); every other op writes as the
// 0.1 app did (no upgrade).
//
// Output: one JSON line per step on stdout:
//   {"step": i, "op": "...", "ok": true, ...op-specific fields}
// then a final {"done": true, "ok": true, "server": {...}} line and exit 0.
// On any failure: {"step": i, "op": "...", "ok": false, "error": "..."} and
// exit 1 (also for connection errors such as a rejected WebSocket upgrade).
//
// Set TABLET_TRACE=1 to log every protocol message sent/received to stderr.

import { createRequire } from "node:module"
import fs from "node:fs"

const require = createRequire(import.meta.url)

// ---------------------------------------------------------------------------
// Output helpers

let currentStep = null
let currentOp = null

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n")
}

let failing = false
function fail(err) {
  if (failing) return
  failing = true
  const message = err instanceof Error ? err.message : String(err)
  const line = { ok: false, error: message }
  if (currentStep !== null) {
    line.step = currentStep
    line.op = currentOp
  }
  out(line)
  // stdout may be a pipe: exit once it is flushed.
  process.stdout.write("", () => process.exit(1))
  setTimeout(() => process.exit(1), 500) // keeps the loop alive until then
}

// The WebSocket client adapter *throws* from its "error" listener for any
// socket error other than ECONNREFUSED (e.g. "Unexpected server response:
// 401" when the server rejects the upgrade). That surfaces as an uncaught
// exception; turn it into a clean failure line.
process.on("uncaughtException", err => fail(err))
process.on("unhandledRejection", err => fail(err))

// ---------------------------------------------------------------------------
// Plan

const planPath = process.argv[2]
if (!planPath) {
  fail("usage: node tablet.mjs plan.json")
}
let plan
try {
  plan = JSON.parse(fs.readFileSync(planPath, "utf8"))
} catch (e) {
  fail(`cannot read plan ${planPath}: ${e.message}`)
}
if (!plan || !Array.isArray(plan.steps)) fail("plan.steps must be an array")
else if (!plan.storageDir) fail("plan.storageDir is required")
if (failing) await new Promise(() => {}) // fail() exits

// ---------------------------------------------------------------------------
// Header injection.
//
// The adapter does `new WebSocket(this.url)` where WebSocket comes from
// `isomorphic-ws`, whose Node entry (node.js, CommonJS) is just
// `module.exports = require('ws')`. A browser would attach the cookie and
// Origin automatically; in Node we must add them. Without touching the adapter
// we load the real `ws` through the CommonJS loader, then replace the exports
// of that cached module with a subclass that merges
// {headers: {Cookie, Origin}} into the constructor options. When the adapter
// is imported *afterwards* (dynamic import below), isomorphic-ws's
// `require('ws')` is served from require.cache and gets the subclass. We
// resolve `ws` from isomorphic-ws's own location so we patch exactly the file
// it will load.

const injectedHeaders = {}
if (plan.cookie) injectedHeaders.Cookie = plan.cookie
if (plan.origin) injectedHeaders.Origin = plan.origin

const adapterEntry = require.resolve("@automerge/automerge-repo-network-websocket")
const isoWsPath = createRequire(adapterEntry).resolve("isomorphic-ws")
const wsPath = createRequire(isoWsPath).resolve("ws")
const RealWebSocket = require(wsPath)

class HeaderInjectingWebSocket extends RealWebSocket {
  constructor(address, protocols, options) {
    if (address !== null && address !== undefined) {
      if (
        protocols !== undefined &&
        protocols !== null &&
        typeof protocols === "object" &&
        !Array.isArray(protocols)
      ) {
        options = protocols
        protocols = undefined
      }
      options = {
        ...(options || {}),
        headers: { ...injectedHeaders, ...((options && options.headers) || {}) },
      }
    }
    super(address, protocols, options)
  }
}
// Static members (OPEN, CONNECTING, WebSocketServer, ...) are inherited
// through the class prototype chain, so `WebSocket.OPEN` still works.
require.cache[wsPath].exports = HeaderInjectingWebSocket

// ---------------------------------------------------------------------------
// Load the libraries (after the patch!).

const A = await import("@automerge/automerge")
const { Repo, cbor, decodeHeads } = await import("@automerge/automerge-repo")
const { WebSocketClientAdapter } = await import(
  "@automerge/automerge-repo-network-websocket"
)
const { NodeFSStorageAdapter } = await import(
  "@automerge/automerge-repo-storage-nodefs"
)

{
  const iso = require(isoWsPath)
  if (iso !== HeaderInjectingWebSocket) {
    fail("header injection failed: isomorphic-ws did not pick up the patched ws")
    await new Promise(() => {})
  }
}

const trace = process.env.TABLET_TRACE
  ? (...args) => process.stderr.write("[tablet] " + args.join(" ") + "\n")
  : () => {}

// ---------------------------------------------------------------------------
// Repo

const network = []
let adapter = null
if (plan.url) {
  adapter = new WebSocketClientAdapter(plan.url, plan.retryIntervalMs ?? 5000)
  network.push(adapter)
  if (process.env.TABLET_TRACE) {
    const origSend = adapter.send.bind(adapter)
    adapter.send = msg => {
      trace("->", describeMsg(msg))
      return origSend(msg)
    }
    const origReceive = adapter.receiveMessage.bind(adapter)
    adapter.receiveMessage = bytes => {
      try {
        trace("<-", describeMsg(cbor.decode(new Uint8Array(bytes))))
      } catch {
        /* ignore */
      }
      return origReceive(bytes)
    }
  }
}

function describeMsg(m) {
  const o = { type: m.type }
  for (const k of ["senderId", "targetId", "documentId", "selectedProtocolVersion"]) {
    if (m[k] !== undefined) o[k] = m[k]
  }
  if (m.peerMetadata) o.peerMetadata = m.peerMetadata
  if (m.supportedProtocolVersions) o.supportedProtocolVersions = m.supportedProtocolVersions
  if (m.data) {
    o.bytes = m.data.byteLength
    if (m.type === "sync" || m.type === "request") {
      try {
        const s = A.decodeSyncMessage(m.data)
        o.heads = s.heads
        o.need = s.need
        o.have = s.have.map(h => h.lastSync)
        o.changes = s.changes.length
      } catch {
        /* ignore */
      }
    }
  }
  if (m.message) o.message = m.message
  return JSON.stringify(o)
}

const repo = new Repo({
  network,
  storage: new NodeFSStorageAdapter(plan.storageDir),
  peerId: plan.peerId || undefined,
  saveDebounceRate: 20,
})

// Track the server peer and the latest sync state we have for it, per doc.
// The Repo's CollectionSynchronizer re-emits every DocSynchronizer
// "sync-state" event ({peerId, documentId, syncState}); the Repo itself uses
// exactly this event to maintain handle.getSyncInfo(storageId).
let serverPeer = null // {peerId, peerMetadata}
const theirHeadsByDoc = new Map() // documentId -> hex heads (from syncState.theirHeads)
const syncWaiters = new Set()

repo.networkSubsystem.on("peer", ({ peerId, peerMetadata }) => {
  serverPeer = { peerId, peerMetadata: peerMetadata ?? {} }
  trace("peer", peerId, JSON.stringify(peerMetadata ?? {}))
  notifyWaiters()
})
repo.networkSubsystem.on("peer-disconnected", ({ peerId }) => {
  trace("peer-disconnected", peerId)
})
repo.synchronizer.on("sync-state", ({ peerId, documentId, syncState }) => {
  if (serverPeer && peerId === serverPeer.peerId && syncState.theirHeads) {
    theirHeadsByDoc.set(documentId, [...syncState.theirHeads])
  }
  notifyWaiters()
})
function notifyWaiters() {
  for (const w of syncWaiters) w()
}

// ---------------------------------------------------------------------------
// Helpers

const named = new Map() // "as" name -> automerge URL

function docUrl(step) {
  const d = step.doc
  if (typeof d !== "string" || d.length === 0) throw new Error(`step needs "doc"`)
  if (d.startsWith("automerge:")) return d
  if (named.has(d)) return named.get(d)
  throw new Error(`unknown doc ${JSON.stringify(d)} (not an automerge: URL nor a created name)`)
}

const handles = new Map() // url -> handle (opened in this run)

function requireHandle(step) {
  const url = docUrl(step)
  const h = handles.get(url)
  if (!h) throw new Error(`doc ${url} was not opened/created in this run (use "open" first)`)
  return h
}

// Convert every JS string (deeply) to an ImmutableString so that automerge 3
// stores it as a scalar string rather than collaborative Text (automerge 3
// makes plain JS strings Text by default).
function imm(v) {
  if (typeof v === "string") return new A.ImmutableString(v)
  if (Array.isArray(v)) return v.map(imm)
  if (v && typeof v === "object" && !(v instanceof Date) && !(v instanceof Uint8Array)) {
    if (A.isImmutableString(v)) return v
    const o = {}
    for (const [k, x] of Object.entries(v)) o[k] = imm(x)
    return o
  }
  return v
}

// Paths where the document holds collaborative text (plain JS string when
// read). A conforming Mimamori document has none.
function textPaths(v, path = "", acc = []) {
  if (typeof v === "string") acc.push(path || "/")
  else if (Array.isArray(v)) v.forEach((x, i) => textPaths(x, `${path}/${i}`, acc))
  else if (v && typeof v === "object" && !A.isImmutableString(v) && !(v instanceof Uint8Array)) {
    for (const [k, x] of Object.entries(v)) textPaths(x, `${path}/${k}`, acc)
  }
  return acc
}

function toJson(doc) {
  return JSON.parse(JSON.stringify(doc)) // ImmutableString.toJSON() -> plain string
}

function withTimeout(promise, ms, what) {
  let t
  return Promise.race([
    promise,
    new Promise((_, rej) => {
      t = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(t))
}

const sleep = ms => new Promise(r => setTimeout(r, ms))

function getMap(d, key, url) {
  const m = d[key]
  if (!m || typeof m !== "object") throw new Error(`doc ${url} has no "${key}" map`)
  return m
}

function change(handle, fn) {
  let error = null
  handle.change(d => {
    try {
      fn(d)
    } catch (e) {
      error = e
      throw e // abort the change
    }
  })
  if (error) throw error
}

// A schema-2 app's write of one entry into a v2 section (sync/schema.rs, "The
// rules of a schema version"), in one change: `schema` bumped to 2 when it reads
// lower (the highest of its conflicting values, missing = 1), the section made
// only when absent (never replaced), the entry written whole.
function v2Entry(step, section, fields) {
  const handle = requireHandle(step)
  if (!step.id) throw new Error(`${step.op} needs "id"`)
  const value = imm({ id: step.id, ...(fields ?? {}) })
  change(handle, d => {
    const versions = Object.values(A.getConflicts(d, "schema") ?? {}).filter(v => typeof v === "number")
    if (Math.max(1, ...versions) < 2) d.schema = 2
    if (d[section] === undefined) d[section] = {}
    d[section][step.id] = value
  })
  return { id: step.id, heads: A.getHeads(handle.doc()) }
}

// ---------------------------------------------------------------------------
// waitSynced
//
// "Synced" means: the server has told us, in a sync message it generated, that
// its copy of the document has heads that include every one of our local heads
// (A.getHeads(doc)). In the automerge sync protocol every sync message carries
// the sender's current heads; on receipt automerge stores them in the
// per-peer SyncState as `theirHeads`. So once `theirHeads` ⊇ our heads, the
// server has applied all our changes (it could not report those heads
// otherwise). Whether it also persisted them is the server's contract (a
// Rust server should persist before replying).
//
// Source of `theirHeads`:
//  * If the server advertised a storageId in its `peer` message
//    (peerMetadata.storageId), the Repo records it per document:
//    handle.getSyncInfo(storageId).lastHeads (URL-encoded heads, updated in
//    Repo's "sync-state" listener from syncState.theirHeads). We use that.
//  * Otherwise (server without storageId) the Repo does not record remote
//    heads, so we use the same underlying data ourselves: the latest
//    syncState.theirHeads from the synchronizer's "sync-state" events for the
//    server peer (captured above from repo start).
// Note: sync state persisted across runs (only when the server has a
// storageId) keeps sharedHeads but not theirHeads, so a stale ack from an
// earlier run cannot satisfy this check.
function remoteHeadsHex(handle) {
  if (!serverPeer) return { via: null, heads: null }
  const storageId = serverPeer.peerMetadata?.storageId
  if (storageId) {
    const info = handle.getSyncInfo(storageId)
    if (info?.lastHeads) {
      return { via: "syncInfo(storageId)", heads: decodeHeadsHex(info.lastHeads), storageId }
    }
    return { via: "syncInfo(storageId)", heads: null, storageId }
  }
  const h = theirHeadsByDoc.get(handle.documentId)
  return { via: "syncState.theirHeads", heads: h ?? null }
}

// handle.getSyncInfo(...).lastHeads are URL-encoded (bs58) heads; decodeHeads
// turns them back into the hex hashes A.getHeads returns.
const decodeHeadsHex = urlHeads => decodeHeads(urlHeads)

// With `mutual`, also until we hold everything the server reported (its heads are ours too): a
// tablet that only sent its own changes may not yet have received another tablet's.
async function waitSynced(handle, timeoutMs, mutual = false) {
  if (!adapter) throw new Error("waitSynced needs a network (plan.url is null)")
  const started = Date.now()
  return await new Promise((resolve, reject) => {
    let timer
    const check = () => {
      const local = A.getHeads(handle.doc())
      const remote = remoteHeadsHex(handle)
      if (
        remote.heads &&
        local.every(h => remote.heads.includes(h)) &&
        (!mutual || remote.heads.every(h => local.includes(h)))
      ) {
        clearTimeout(timer)
        syncWaiters.delete(check)
        handle.off("heads-changed", check)
        handle.off("remote-heads", check)
        resolve({
          localHeads: local,
          remoteHeads: remote.heads,
          via: remote.via,
          storageId: remote.storageId ?? null,
          serverPeerId: serverPeer.peerId,
          elapsedMs: Date.now() - started,
        })
      }
    }
    timer = setTimeout(() => {
      syncWaiters.delete(check)
      handle.off("heads-changed", check)
      handle.off("remote-heads", check)
      const remote = remoteHeadsHex(handle)
      reject(
        new Error(
          `waitSynced timed out after ${timeoutMs} ms: ` +
            JSON.stringify({
              connected: !!serverPeer,
              serverPeerId: serverPeer?.peerId ?? null,
              via: remote.via,
              localHeads: A.getHeads(handle.doc()),
              remoteHeads: remote.heads,
            })
        )
      )
    }, timeoutMs)
    syncWaiters.add(check)
    handle.on("heads-changed", check)
    handle.on("remote-heads", check)
    check()
  })
}

// ---------------------------------------------------------------------------
// Ops

const ops = {
  // {"op":"create","as":"name","init":{...}} -> {url}
  async create(step) {
    const handle = repo.create(imm(step.init ?? {}))
    await handle.whenReady()
    handles.set(handle.url, handle)
    if (step.as) named.set(step.as, handle.url)
    return { url: handle.url, as: step.as ?? null, heads: A.getHeads(handle.doc()) }
  },

  // {"op":"open","doc":"automerge:...","timeoutMs":15000}
  // Online: resolves as soon as the doc is ready — from local storage if the
  // tablet already has it, otherwise after the server supplied it. Offline:
  // only from local storage. Fails if the doc is unavailable.
  async open(step) {
    const url = docUrl(step)
    const timeoutMs = step.timeoutMs ?? 15000
    const t0 = Date.now()
    let handle
    try {
      handle = await withTimeout(repo.find(url), timeoutMs, `open ${url}`)
    } catch (e) {
      throw new Error(
        `cannot open ${url}${plan.url ? "" : " (offline: not in local storage)"}: ${e.message}`
      )
    }
    handles.set(url, handle)
    return { url, elapsedMs: Date.now() - t0, heads: A.getHeads(handle.doc()) }
  },

  // {"op":"addContact","doc":...,"id":"<uuid>","contact":{...}}
  async addContact(step) {
    const handle = requireHandle(step)
    if (!step.id) throw new Error(`addContact needs "id"`)
    const contact = { id: step.id, ...(step.contact ?? {}) }
    const value = imm(contact)
    change(handle, d => {
      const contacts = getMap(d, "contacts", handle.url)
      contacts[step.id] = value
    })
    return { id: step.id, heads: A.getHeads(handle.doc()) }
  },

  // {"op":"setProfile","doc":...,"field":"phone","value":"..."}
  async setProfile(step) {
    const handle = requireHandle(step)
    if (!step.field) throw new Error(`setProfile needs "field"`)
    const value = imm(step.value)
    change(handle, d => {
      const profile = getMap(d, "profile", handle.url)
      profile[step.field] = value
    })
    return { field: step.field, heads: A.getHeads(handle.doc()) }
  },

  // {"op":"review","doc":...,"contactId":"<uuid>","review":{...}}
  async review(step) {
    const handle = requireHandle(step)
    if (!step.contactId) throw new Error(`review needs "contactId"`)
    const value = imm(step.review ?? {})
    change(handle, d => {
      const reviews = getMap(d, "reviews", handle.url)
      reviews[step.contactId] = value
    })
    return { contactId: step.contactId, heads: A.getHeads(handle.doc()) }
  },

  // {"op":"addSafety","doc":...,"id":"<uuid>","record":{...}}: a 安否 record.
  async addSafety(step) {
    return v2Entry(step, "safety", step.record)
  },

  // {"op":"addPlan","doc":...,"id":"<uuid>","plan":{...}}: a 個別避難計画 revision.
  async addPlan(step) {
    return v2Entry(step, "evacuationPlans", step.plan)
  },

  // {"op":"waitSynced","doc":...,"timeoutMs":10000,"mutual":false}
  async waitSynced(step) {
    const handle = requireHandle(step)
    return await waitSynced(handle, step.timeoutMs ?? 10000, step.mutual === true)
  },

  // {"op":"dump","doc":...} -> {doc, textPaths}
  async dump(step) {
    const handle = requireHandle(step)
    const doc = handle.doc()
    return { doc: toJson(doc), textPaths: textPaths(doc), heads: A.getHeads(doc) }
  },

  // {"op":"heads","doc":...} -> {heads (hex), urlHeads}
  async heads(step) {
    const handle = requireHandle(step)
    return { heads: A.getHeads(handle.doc()), urlHeads: handle.heads() }
  },

  // {"op":"sleep","ms":500}
  async sleep(step) {
    await sleep(step.ms ?? 0)
    return { ms: step.ms ?? 0 }
  },
}

// ---------------------------------------------------------------------------
// Run

for (let i = 0; i < plan.steps.length; i++) {
  const step = plan.steps[i]
  currentStep = i
  currentOp = step?.op ?? null
  const fn = ops[step?.op]
  if (!fn) {
    fail(`unknown op ${JSON.stringify(step?.op)}`)
    await new Promise(() => {})
  }
  let result
  try {
    result = await fn(step)
  } catch (e) {
    fail(e)
    await new Promise(() => {})
  }
  out({ step: i, op: step.op, ok: true, ...result })
}
currentStep = null

// Let throttled saves (saveDebounceRate) fire, then write every open doc,
// close the socket and exit explicitly (the adapter's timers and the ws
// socket could otherwise keep the process alive or emit late errors).
try {
  await sleep(50)
  await withTimeout(repo.flush(), 10000, "flush storage")
  if (adapter && adapter.socket) {
    repo.networkSubsystem.adapters.forEach(a => {
      // close() on a still-connecting ws socket emits "error" after the
      // adapter has removed its listeners; swallow it.
      a.socket?.on?.("error", () => {})
      try {
        a.disconnect()
      } catch {
        /* already closed */
      }
    })
  }
  await withTimeout(repo.flush(), 10000, "flush storage")
} catch (e) {
  fail(e)
  await new Promise(() => {})
}
out({
  done: true,
  ok: true,
  peerId: repo.peerId,
  server: serverPeer,
})
process.stdout.write("", () => process.exit(0))
