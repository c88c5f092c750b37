// Two tablets of the same commissioner edit the same resident offline — different contacts and the
// same profile field — and reconnect one after the other: both end with identical content, no dialog.
// The second tablet is closed while offline and started again later (a browser restart).
import {
  cfg,
  docJson,
  editProfile,
  log,
  netText,
  origin,
  readyInTheField,
  recordContact,
  residentPage,
  run,
  startServer,
  stopServer,
  tablet,
  unlock,
  waitFor,
  waitSent,
} from "./lib.mjs"

run(async () => {
  const rid = cfg.residents.rA1
  await startServer()
  const one = await tablet("tablet-1")
  const two = await tablet("tablet-2")
  for (const [t, code] of [
    [one, cfg.codes["comm-a"]],
    [two, cfg.codes["comm-a#2"]],
  ]) {
    await readyInTheField(t.page, code)
  }

  await stopServer()
  for (const t of [one, two]) await waitFor(`${t.name} offline`, async () => (await netText(t.page)) === "つながっていません")
  let dialogs = 0
  for (const t of [one, two]) t.page.on("dialog", d => (dialogs++, d.dismiss()))
  await recordContact(one.page, rid, { kind: "訪問", outcome: "会えた", allOk: true, note: "一台目の記録" })
  await editProfile(one.page, rid, "電話番号", "0166-11-1111")
  await recordContact(two.page, rid, { kind: "電話", outcome: "会えた", note: "二台目の記録" })
  await editProfile(two.page, rid, "電話番号", "0166-22-2222")
  // Tablet 2 is switched off while still offline.
  await two.context.close()

  // Tablet 1 reconnects first, then tablet 2 is switched on again.
  await startServer()
  await waitSent(one.page, 30_000)
  log("tablet 1 sent")
  const two2 = await tablet("tablet-2")
  await two2.page.goto(`${origin}/`)
  await unlock(two2.page)
  await waitSent(two2.page, 30_000)
  log("tablet 2 sent")

  // Both converge: the same document, both contacts on both screens, one phone number.
  let seen = []
  const both = await waitFor(
    "identical documents",
    async () => {
      seen = [await docJson(one.page, rid), await docJson(two2.page, rid)]
      const [a, b] = seen
      return a && a === b && Object.keys(JSON.parse(a).contacts ?? {}).length === 2 ? seen : null
    },
    30_000,
  ).catch(e => {
    log(`tablet 1 holds ${seen[0]}`)
    log(`tablet 2 holds ${seen[1]}`)
    throw e
  })
  const views = [await residentPage(one.page, rid), await residentPage(two2.page, rid)]
  return { identical: both[0] === both[1], views, dialogs }
})
