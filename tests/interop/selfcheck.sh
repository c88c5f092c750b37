#!/usr/bin/env bash
# Self-check for the interop harness, against the reference server.
#
#   cd tests/interop && npm ci && ./selfcheck.sh      (or: npm run selfcheck)
#
# 1. starts reference-server.mjs on a free port (temp storage)
# 2. tablet A: creates a resident doc (op "create"), waitSynced, dump
# 3. tablet B run 1 (online):  open the doc (fetched from the server), dump
# 4. tablet B run 2 (OFFLINE): open from local storage, addContact, setProfile,
#                              review, dump
#    + offline open of an unknown doc must fail with exit 1
# 5. tablet B run 3 (online):  open, waitSynced, dump
# 6. tablet A run 2 (online):  open, waitSynced (only resolves once A holds
#                              B's changes too), dump
# 7. tablet C (fresh storage): open from the server, dump
# The scenario runs twice: against a server advertising a storageId, and with
# REF_NO_STORAGE_ID=1 (no storageId: exercises waitSynced's fallback).
# KEEP=1 keeps the temp dir (plans, outputs, server log) for inspection.
# Checks: A, B and C dumps identical and contain B's offline edits, no
# collaborative-text fields, and the server saw the injected Cookie/Origin.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
[ -d node_modules ] || { echo "selfcheck: run 'npm ci' in $HERE first" >&2; exit 2; }

TOP="$(mktemp -d "${TMPDIR:-/tmp}/mimamori-selfcheck.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "selfcheck: kept $TOP"; else rm -rf "$TOP"; fi
}
trap cleanup EXIT

fail() { echo "selfcheck: FAIL: $*" >&2; exit 1; }

scenario() {
  MODE_NO_SID="$1"
  WORK="$TOP/$2"
  mkdir -p "$WORK"
  echo "selfcheck: === scenario $2 (REF_NO_STORAGE_ID=$MODE_NO_SID) ==="
  # --- 1. server -------------------------------------------------------------
  REF_NO_STORAGE_ID="$MODE_NO_SID" node reference-server.mjs 0 "$WORK/server" >"$WORK/server.log" 2>"$WORK/server.err" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    grep -q '"listening"' "$WORK/server.log" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.err" >&2; fail "server died"; }
    sleep 0.1
  done
  PORT="$(node -e 'const l=require("fs").readFileSync(process.argv[1],"utf8").split("\n").find(x=>x.includes("listening"));console.log(JSON.parse(l).listening)' "$WORK/server.log")"
  [ -n "$PORT" ] || fail "server did not report a port"
  echo "selfcheck: reference server on port $PORT"
  URL="ws://127.0.0.1:$PORT/sync"
  ORIGIN="http://127.0.0.1:$PORT"
  COOKIE="mimamori_session=selfcheck-session; mimamori_device=selfcheck-device"

  # plan NAME STORAGE URL_OR_null STEPS_JSON -> writes $WORK/NAME.plan.json
  plan() {
    node -e '
      const [name, storage, url, steps, cookie, origin, out] = process.argv.slice(1)
      require("fs").writeFileSync(out, JSON.stringify({
        url: url === "null" ? null : url, cookie, origin,
        storageDir: storage, peerId: "selfcheck-" + name, steps: JSON.parse(steps),
      }, null, 2))
    ' "$1" "$2" "$3" "$4" "$COOKIE" "$ORIGIN" "$WORK/$1.plan.json"
  }
  # run NAME -> runs the tablet, output in $WORK/NAME.out; fails on non-zero exit
  run() {
    if ! node tablet.mjs "$WORK/$1.plan.json" >"$WORK/$1.out" 2>"$WORK/$1.err"; then
      cat "$WORK/$1.out" "$WORK/$1.err" >&2
      fail "tablet run $1 failed"
    fi
    echo "selfcheck: $1 ok"
  }
  # field NAME OP KEY -> prints JSON of result[KEY] of the last step with op OP
  field() {
    node -e '
      const [file, op, key] = process.argv.slice(1)
      const lines = require("fs").readFileSync(file, "utf8").trim().split("\n").map(JSON.parse)
      const r = lines.filter(l => l.op === op).pop()
      if (!r) { console.error("no " + op + " line in " + file); process.exit(1) }
      console.log(JSON.stringify(r[key]))
    ' "$WORK/$1.out" "$2" "$3"
  }

  CONTACT_ID="5b0e4d1c-8f6a-4d3e-9a51-2f7c0d9e1a42"

  # --- 2. tablet A creates ---------------------------------------------------
  plan A1 "$WORK/tabletA" "$URL" '[
    {"op":"create","as":"r","init":{"schema":1,"residentId":"resident-0001",
      "profile":{"name":"山田 花子","kana":"やまだ はなこ","address":"北海道 旭川市 1-2-3","phone":"0166-00-0000",
        "household":"single","categories":["elderly_single"],"emergencyContacts":["長男 090-0000-0000"],"notes":""},
      "contacts":{},"reviews":{}}},
    {"op":"waitSynced","doc":"r","timeoutMs":10000},
    {"op":"dump","doc":"r"}]'
  run A1
  DOC="$(field A1 create url | tr -d '"')"
  echo "selfcheck: created $DOC"

  # --- 3. tablet B fetches it (online) ---------------------------------------
  plan B1 "$WORK/tabletB" "$URL" "[{\"op\":\"open\",\"doc\":\"$DOC\"},{\"op\":\"dump\",\"doc\":\"$DOC\"}]"
  run B1

  # --- 4. tablet B edits offline ---------------------------------------------
  plan B2 "$WORK/tabletB" null "[
    {\"op\":\"open\",\"doc\":\"$DOC\"},
    {\"op\":\"addContact\",\"doc\":\"$DOC\",\"id\":\"$CONTACT_ID\",\"contact\":{
      \"occurredAt\":\"2025-01-15T10:30:00+09:00\",\"authorId\":\"staff-0007\",\"kind\":\"visit\",\"outcome\":\"met\",
      \"checks\":{\"lights\":\"ok\",\"mailbox\":\"ok\",\"garbage\":\"concern\",\"snow\":\"unknown\",\"curtains\":\"ok\",\"laundry\":\"na\"},
      \"concern\":\"watch\",\"activity\":{\"fields\":[\"health\"],\"contents\":[\"blood_pressure\"]},
      \"note\":\"玄関前の雪かき未了\",\"followUp\":true}},
    {\"op\":\"setProfile\",\"doc\":\"$DOC\",\"field\":\"phone\",\"value\":\"0166-11-1111\"},
    {\"op\":\"review\",\"doc\":\"$DOC\",\"contactId\":\"$CONTACT_ID\",\"review\":{
      \"mark\":\"check\",\"comment\":\"次回訪問で確認\",\"by\":\"staff-0001\",\"at\":\"2025-01-15T18:00:00+09:00\"}},
    {\"op\":\"dump\",\"doc\":\"$DOC\"}]"
  run B2

  # offline open of a doc the tablet never had must fail cleanly (exit 1)
  plan Bx "$WORK/tabletB" null '[{"op":"open","doc":"automerge:2j9knpCseyhnK8izDmLpGP5WMdZQ","timeoutMs":3000}]'
  if node tablet.mjs "$WORK/Bx.plan.json" >"$WORK/Bx.out" 2>"$WORK/Bx.err"; then
    fail "offline open of an unknown doc should fail"
  fi
  grep -q '"ok":false' "$WORK/Bx.out" || fail "offline open failure did not print an ok:false line"
  echo "selfcheck: offline open of unknown doc fails as expected: $(tail -1 "$WORK/Bx.out")"

  # --- 5. tablet B syncs -----------------------------------------------------
  plan B3 "$WORK/tabletB" "$URL" "[{\"op\":\"open\",\"doc\":\"$DOC\"},
    {\"op\":\"waitSynced\",\"doc\":\"$DOC\",\"timeoutMs\":10000},{\"op\":\"dump\",\"doc\":\"$DOC\"}]"
  run B3

  # --- 6. tablet A pulls -----------------------------------------------------
  plan A2 "$WORK/tabletA" "$URL" "[{\"op\":\"open\",\"doc\":\"$DOC\"},
    {\"op\":\"waitSynced\",\"doc\":\"$DOC\",\"timeoutMs\":10000},{\"op\":\"dump\",\"doc\":\"$DOC\"}]"
  run A2

  # --- 7. fresh tablet C -----------------------------------------------------
  plan C1 "$WORK/tabletC" "$URL" "[{\"op\":\"open\",\"doc\":\"$DOC\"},{\"op\":\"dump\",\"doc\":\"$DOC\"}]"
  run C1

  # --- checks ----------------------------------------------------------------
  node - "$WORK" "$CONTACT_ID" "$COOKIE" "$ORIGIN" "$MODE_NO_SID" <<'EOF'
const fs = require("fs")
const assert = require("assert")
const [work, contactId, cookie, origin, noSid] = process.argv.slice(2)
const lines = n => fs.readFileSync(`${work}/${n}.out`, "utf8").trim().split("\n").map(JSON.parse)
const dump = n => lines(n).filter(l => l.op === "dump").pop()
const [b2, b3, a2, c1] = ["B2", "B3", "A2", "C1"].map(dump)
for (const [n, d] of Object.entries({ B2: b2, B3: b3, A2: a2, C1: c1 })) {
  assert.deepStrictEqual(d.textPaths, [], `${n}: collaborative text at ${d.textPaths}`)
}
assert.deepStrictEqual(a2.doc, b3.doc, "A and B dumps differ")
assert.deepStrictEqual(c1.doc, b3.doc, "C and B dumps differ")
assert.deepStrictEqual(b3.doc, b2.doc, "B's online dump differs from its offline dump")
assert.deepStrictEqual([...a2.heads].sort(), [...b3.heads].sort(), "A and B heads differ")
const c = a2.doc.contacts[contactId]
assert(c && c.id === contactId && c.kind === "visit" && c.followUp === true, "contact missing on A")
assert.strictEqual(a2.doc.profile.phone, "0166-11-1111")
assert.strictEqual(a2.doc.reviews[contactId].mark, "check")
const ws = lines("B3").find(l => l.op === "waitSynced")
console.log(`selfcheck: waitSynced via ${ws.via} (server storageId ${ws.storageId}) in ${ws.elapsedMs} ms`)
assert.strictEqual(ws.via, noSid === "1" ? "syncState.theirHeads" : "syncInfo(storageId)")
const conns = fs.readFileSync(`${work}/server.log`, "utf8").trim().split("\n").map(JSON.parse).filter(l => l.connection)
assert(conns.length >= 5, `expected >= 5 connections, saw ${conns.length}`)
for (const { connection } of conns) {
  assert.strictEqual(connection.cookie, cookie, "server did not see the Cookie header")
  assert.strictEqual(connection.origin, origin, "server did not see the Origin header")
  assert.strictEqual(connection.url, "/sync")
}
console.log(`selfcheck: server saw Cookie+Origin on all ${conns.length} upgrades`)
EOF
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""
}

scenario 0 with-storage-id
scenario 1 without-storage-id
echo "selfcheck: PASS"
