// 大雪 (issue 23, the "what must be shown" story): before the snow a commissioner makes 花子's
// 個別避難計画 and a visit confirms it; city staff declare a blizzard for 神楽岡 and 永山; two tablets
// (comm-a, comm-a2) lose signal; offline each reports its commissioner's own safety and 安否 in three
// taps; comm-a's comes back first: the district lead sees its reports, comm-a2 未報告, takes comm-a2
// over and records 太郎 from the lead's own browser; comm-a2's tablet comes back later and nothing is
// lost or duplicated (the latest by time counts); the office's counts and CSV match; the lead prints
// the paper list; the office ends it and both tablets leave the mode, the 安否 kept in the documents.
import { axe, cfg, enrol, ergonomics, login, officeLogin, origin, readyInTheField, recordContact, reload, run, startServer, statusText, stopServer, tablet, waitFor, waitSent, waitServiceWorker, waitStored } from "./lib.mjs"

const MEMO = "灯油が残りわずか。娘さんに連絡済み（試験）"

run(async () => {
  await startServer()
  const { page: office } = await tablet("office")
  await officeLogin(office, "staff")
  const declared = await office.request.post(`${origin}/api/staff/disasters`, {
    headers: { Origin: origin },
    data: { kind: "blizzard", districts: [cfg.districts.a, cfg.districts.b] },
  })
  const disaster = await declared.json()
  if (!declared.ok()) throw new Error(`declaring: ${declared.status()} ${JSON.stringify(disaster)}`)

  const a11y = {}
  const { page } = await tablet("commissioner")
  await readyInTheField(page)
  await page.getByTestId("disaster-band").waitFor()

  // Before the snow: 花子's 個別避難計画, made on the tablet, and a visit that confirms it.
  await page.goto(`${origin}/#/r/${cfg.residents.rA1}`)
  await page.getByRole("link", { name: "計画を作る" }).click()
  await page.getByRole("heading", { name: /^個別避難計画/ }).waitFor()
  a11y.planForm = await axe(page, "planForm")
  await page.getByRole("radio", { name: "同意", exact: true }).click()
  await page.getByRole("checkbox", { name: "車いす" }).click()
  await page.getByLabel("1人目の名前").fill("近所 一郎（試験）")
  await page.getByLabel("電話").first().fill("0166-00-0000")
  await page.getByRole("radio", { name: "福祉避難所" }).click()
  await page.getByLabel("避難先の名前").fill("神楽岡福祉センター（試験）")
  await page.getByRole("button", { name: "保存する" }).click()
  await page.getByTestId("plan-card").getByText("車いす").waitFor()
  const planCard = await page.getByTestId("plan-card").innerText()
  await recordContact(page, cfg.residents.rA1, { kind: "訪問", outcome: "会えた", allOk: true, planConfirmed: true })
  await waitSent(page)
  // The office home, opened again (the overview is read when it opens).
  await office.goto(`${origin}/#/people`)
  await office.getByRole("heading", { name: "人（利用者）" }).waitFor()
  await office.goto(`${origin}/#/`)
  await office.getByTestId("plan-target").waitFor()
  const planTarget = await office.getByTestId("plan-target").innerText()
  await page.goto(`${origin}/#/`)

  // The second tablet, comm-a2's (試験 太郎).
  const { page: page2, context: context2 } = await tablet("commissioner2")
  await enrol(page2, cfg.codes["comm-a2"])
  await login(page2, "comm-a2")
  await page2.getByText("試験 太郎").waitFor()
  await waitServiceWorker(page2)
  await waitSent(page2)
  await waitStored(page2)
  await page2.getByTestId("disaster-band").waitFor()
  // The signal goes.
  await stopServer()
  await reload(page)
  await page.getByRole("link", { name: "安否確認へ" }).click()
  await page.getByTestId("self-check").waitFor()
  a11y.safetyList = await axe(page, "safetyList")
  const selfErgonomics = await ergonomics(page)
  await page.getByRole("button", { name: "無事", exact: true }).click()
  await page.getByTestId("self-status").waitFor()
  // 試験 花子: row, 支援が必要, 保存する — with a memo.
  await page.getByTestId("safety-row").filter({ hasText: "試験 花子" }).getByRole("link").click()
  await page.getByRole("radio", { name: "支援が必要" }).waitFor()
  a11y.safetyForm = await axe(page, "safetyForm")
  const formErgonomics = await ergonomics(page)
  const planOnSafety = await page.getByTestId("plan-card").innerText()
  await page.getByRole("radio", { name: "支援が必要" }).click()
  await page.getByLabel("メモ（必要なときだけ）").fill(MEMO)
  await page.getByRole("button", { name: "保存する" }).click()
  await page.getByText("保存しました").waitFor()
  const rowsOffline = await page.getByTestId("safety-row").allInnerTexts()
  await waitFor("未送信 2件", async () => (await statusText(page)) === "未送信 2件")
  const unsentOffline = await statusText(page)

  // comm-a2, offline too: 本人 無事, 太郎 不在・不明.
  await reload(page2)
  await page2.getByRole("link", { name: "安否確認へ" }).click()
  await page2.getByRole("button", { name: "無事", exact: true }).click()
  await page2.getByTestId("safety-row").filter({ hasText: "試験 太郎" }).getByRole("link").click()
  await page2.getByRole("radio", { name: "不在・不明" }).click()
  await page2.getByRole("button", { name: "保存する" }).click()
  await page2.getByText("保存しました").waitFor()
  await waitFor("未送信 2件 on comm-a2's tablet", async () => (await statusText(page2)) === "未送信 2件")
  // The signal comes back for comm-a's tablet only.
  await context2.setOffline(true)
  await startServer()
  await waitSent(page, 30_000)

  // The lead's 安否の状況.
  const { page: lead } = await tablet("lead")
  await login(lead, "lead-a")
  await lead.getByTestId("disaster-band").getByRole("link", { name: "地区の安否の状況へ" }).click()
  await lead.getByTestId("safety-summary").waitFor()
  await waitFor("comm-a's reports", async () => (await lead.getByTestId("safety-summary").innerText()).includes("支援が必要1"), 20_000)
  const summary = await lead.getByTestId("safety-summary").innerText()
  const commA = await lead.locator(`[data-commissioner="${cfg.users["comm-a"]}"]`).innerText()
  const commA2 = lead.locator(`[data-commissioner="${cfg.users["comm-a2"]}"]`)
  await commA2.getByRole("button", { name: "代わりに確認する" }).click()
  await commA2.getByText("あなたが代わりに確認中").waitFor()
  const commA2Before = await commA2.innerText()
  // The lead checks 太郎 in person: 無事, from the lead's own browser (it holds the district).
  await lead.goto(`${origin}/#/disaster/${disaster.id}/r/${cfg.residents.rA2}`)
  await lead.getByTestId("resident-name").filter({ hasText: "試験 太郎" }).waitFor()
  await lead.getByRole("radio", { name: "無事" }).click()
  await lead.getByRole("button", { name: "保存する" }).click()
  await lead.getByText("保存しました").waitFor()
  await waitSent(lead, 30_000)
  // comm-a2's tablet comes back, later: its own status and its older 不在・不明 arrive too.
  await context2.setOffline(false)
  await waitSent(page2, 45_000)
  await lead.goto(`${origin}/#/disaster/${disaster.id}/district`)
  await waitFor("comm-a2's self status", async () => (await lead.locator(`[data-commissioner="${cfg.users["comm-a2"]}"]`).innerText()).includes("本人：無事"), 20_000)
  const commA2After = await lead.locator(`[data-commissioner="${cfg.users["comm-a2"]}"]`).innerText()
  const taroDoc = await (await lead.request.get(`${origin}/api/residents/${cfg.residents.rA2}/document`)).json()
  const hanakoDoc = await (await lead.request.get(`${origin}/api/residents/${cfg.residents.rA1}/document`)).json()
  a11y.districtSafety = await axe(lead, "districtSafety")
  // The paper list, for tablets that died: 花子 with her plan, and the boxes to tick.
  await lead.getByRole("link", { name: "紙の一覧を印刷する" }).click()
  await lead.getByTestId("paper-list").waitFor()
  const paper = await lead.getByTestId("paper-list").innerText()
  a11y.paperList = await axe(lead, "paperList")

  // The office: counts and CSV.
  const counts = await (await office.request.get(`${origin}/api/staff/disasters/${disaster.id}/counts`)).json()
  const csv = await (await office.request.get(`${origin}/api/staff/disasters/${disaster.id}/counts.csv`)).text()
  await office.goto(`${origin}/#/disasters`)
  await office.getByTestId("disaster-counts").waitFor()
  const countsOnScreen = await office.getByTestId("disaster-counts").innerText()
  a11y.disasterCounts = await axe(office, "disasterCounts")
  office.once("dialog", d => d.accept())
  await office.getByRole("button", { name: "災害モードを終わる" }).click()
  await office.getByTestId("past-disasters").waitFor()

  // The tablet leaves the mode at its next start; the 安否 stays in 花子's document.
  await page.goto(`${origin}/#/`)
  await reload(page)
  await page.getByText("試験 花子").first().waitFor()
  await waitFor("the band gone", async () => (await page.getByTestId("disaster-band").count()) === 0)
  await page2.goto(`${origin}/#/`)
  await reload(page2)
  await page2.getByText("試験 太郎").first().waitFor()
  await waitFor("the band gone on comm-a2's tablet", async () => (await page2.getByTestId("disaster-band").count()) === 0)
  const docAfter = await page.evaluate(async rid => {
    const s = window.mimamori.get()
    const e = s.docs.find(d => d.residentId === rid)
    return JSON.parse(JSON.stringify(e?.doc?.safety ?? {}))
  }, cfg.residents.rA1)
  return {
    disaster,
    rowsOffline,
    unsentOffline,
    summary,
    commA,
    counts,
    csv,
    countsOnScreen,
    docAfter,
    memo: MEMO,
    planCard,
    planTarget,
    planOnSafety,
    paper,
    commA2Before,
    commA2After,
    taroSafety: taroDoc.safety ?? {},
    hanakoSafety: hanakoDoc.safety ?? {},
    ergonomics: { self: selfErgonomics, form: formErgonomics },
    axe: a11y,
  }
})
