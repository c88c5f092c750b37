// The server's disk fills while the commissioner records (issue 26 item 4: the app recovers from
// a server error in every state, with no reload by the user). The server runs on a SQLite file on a
// small filesystem of its own (the Rust test mounts it and names the filler file). While the disk is
// full, the server cannot commit: it acknowledges nothing and closes the sync connection with a
// retryable error; the tablet keeps its records (未送信) and goes on recording. When space returns,
// everything is sent without a reload, and the next record too.
import { closeSync, openSync, unlinkSync, writeSync } from "node:fs"
import { cfg, log, readyInTheField, recordContact, residentPage, run, startServer, statusText, stopServer, tablet, waitSent } from "./lib.mjs"

function fillDisk(path) {
  const fd = openSync(path, "w")
  const block = Buffer.alloc(64 * 1024)
  try {
    for (;;) writeSync(fd, block)
  } catch {
    /* ENOSPC: full */
  }
  closeSync(fd)
}

run(async () => {
  const rid = cfg.residents.rA1
  await startServer()
  const { page } = await tablet("commissioner")
  await readyInTheField(page)
  await recordContact(page, rid, { kind: "訪問", outcome: "会えた", note: "満杯になる前" })
  await waitSent(page)

  fillDisk(cfg.filler)
  log("disk full")
  await recordContact(page, rid, { kind: "電話", outcome: "会えた", note: "満杯のあいだ 1" })
  await recordContact(page, rid, { kind: "声かけ", outcome: "会えた", note: "満杯のあいだ 2" })
  await page.waitForTimeout(5000)
  const whileFull = await statusText(page)

  unlinkSync(cfg.filler)
  log("space returned")
  const back = Date.now()
  await waitSent(page, 60_000)
  const sentAfterMs = Date.now() - back
  await recordContact(page, rid, { kind: "訪問", outcome: "会えた", note: "空きが戻ったあと" })
  await waitSent(page)
  const onTablet = await residentPage(page, rid)
  await stopServer()
  return { whileFull, sentAfterMs, onTablet }
})
