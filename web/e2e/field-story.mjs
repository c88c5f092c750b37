// The field story: a commissioner logs in online, the network goes (the server stops), three contacts
// and a profile edit are recorded, the page is reloaded offline (all still there, 未送信), the server
// comes back and everything is sent within seconds, and the district lead sees the three contacts.
import {
  axe,
  cfg,
  editProfile,
  ergonomics,
  log,
  login,
  netText,
  origin,
  readyInTheField,
  recordContact,
  reload,
  residentPage,
  run,
  startServer,
  statusText,
  stopServer,
  tablet,
  waitFor,
  waitSent,
} from "./lib.mjs"

const NOTES = ["新聞が3日分たまっている", "電話に出られなかった", "玄関先で元気に挨拶"]

run(async () => {
  const rid = cfg.residents.rA1
  await startServer()
  const t = await tablet("commissioner")
  const { page } = t
  await readyInTheField(page)
  const listScreen = await ergonomics(page)
  // axe's accessibility check of each screen the commissioner uses (violations only; [] expected).
  const a11y = { home: await axe(page, "home") }
  const installErrors = await (await t.context.newCDPSession(page)).send("Page.getInstallabilityErrors")
  log("installability", JSON.stringify(installErrors))

  // The snow: no network.
  await stopServer()
  await waitFor("つながっていません", async () => (await netText(page)) === "つながっていません")
  await page.goto(`${origin}/#/r/${rid}/record`)
  await page.getByRole("heading", { name: /^記録する/ }).waitFor()
  const recordScreen = await ergonomics(page)
  a11y.record = await axe(page, "record")
  await recordContact(page, rid, {
    kind: "訪問",
    outcome: "不在",
    checks: { mailbox: "気になる", snow: "気になる", lights: "異常なし" },
    concern: "見守り強化",
    note: NOTES[0],
  })
  await recordContact(page, rid, { kind: "電話", outcome: "応答なし", note: NOTES[1] })
  await recordContact(page, rid, { kind: "声かけ", outcome: "会えた", allOk: true, note: NOTES[2] })
  await editProfile(page, rid, "電話番号", "0166-55-1234")
  const beforeReload = await residentPage(page, rid)
  a11y.resident = await axe(page, "resident") // with 未送信 contacts, offline
  const pendingBeforeReload = await statusText(page)

  // Reload with the server still down: the service worker serves the app, IndexedDB the records.
  await reload(page)
  const afterReload = await residentPage(page, rid)
  const pendingAfterReload = await statusText(page)
  const offlineNet = await netText(page)

  // The network is back: everything is sent within seconds.
  const back = Date.now()
  await startServer()
  await waitSent(page, 30_000)
  const sentAfterMs = Date.now() - back
  const afterSync = await residentPage(page, rid)

  // The district lead, on another browser at the office.
  const lead = await tablet("lead")
  await login(lead.page, "lead-a")
  await lead.page.goto(`${origin}/#/residents`) // the whole district (the lead's home is 今日の確認)
  await lead.page.getByText("試験 花子").waitFor()
  await lead.page.goto(`${origin}/#/r/${rid}`)
  await waitFor("three contacts at the lead", async () => (await lead.page.getByTestId("contact").count()) === 3)
  const leadView = await residentPage(lead.page, rid)
  const review = await lead.page.request.get(`${origin}/api/review/contacts?resident_id=${rid}`)
  const reviewList = await review.json()

  // The server goes down while the tablet is sending (a restart, an error close mid-sync): the
  // commissioner keeps recording, and every record still reaches the server without a reload.
  await recordContact(page, rid, { kind: "電話", outcome: "会えた", note: "再起動の直前" })
  await stopServer()
  await startServer()
  await recordContact(page, rid, { kind: "訪問", outcome: "会えた", note: "再起動のあと" })
  await stopServer()
  await startServer()
  await recordContact(page, rid, { kind: "声かけ", outcome: "会えた", note: "二度目の再起動のあと" })
  await waitSent(page, 30_000)
  await waitFor("six contacts at the lead", async () => (await lead.page.getByTestId("contact").count()) === 6)
  const afterRestarts = { tablet: await residentPage(page, rid), lead: await residentPage(lead.page, rid) }

  return {
    installErrors: installErrors.installabilityErrors,
    recordScreen,
    listScreen,
    pendingBeforeReload,
    pendingAfterReload,
    offlineNet,
    beforeReload,
    afterReload,
    afterSync,
    sentAfterMs,
    leadView,
    reviewStatus: review.status(),
    reviewList,
    afterRestarts,
    notes: NOTES,
    axe: a11y,
  }
})
