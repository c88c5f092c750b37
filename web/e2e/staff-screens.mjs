// The administrator's lists at the city office (issue 22 item 1): 人（利用者） — searched by login and by
// name, comm-a's password reset (the temporary password shown once, and it works once: comm-a's tablet
// logs in with it and is asked for a new one), lead-b disabled (cannot log in) and enabled again;
// 担当 — comm-b's assignment of rB1 ended yesterday, so 見守り対象者's 「担当なし」 lists rB1, and a new
// one from today (担当なし empty again); 地区 with its counts; 操作の記録 filtered by action, by who and
// by day, showing the reset, the disable and the enable. City staff reads the same lists (人,
// 見守り対象者 with 担当なし, 担当 — the city's and one resident's —, 操作の記録, 地区 with the people in
// each) with no action on them (no パスワードの再発行, 利用停止・再開, 担当を終える, 担当を追加する; a
// line saying the administrator makes the changes), and the server refuses them a change. Facts are
// counts, logins and ids (no resident's name); axe and the small targets per screen.
import { request } from "playwright-core"
import { axe, cfg, ergonomics, officeLogin, origin, reload, run, startServer, tablet } from "./lib.mjs"

const dayJst = ms => new Date(ms + 9 * 3600_000).toISOString().slice(0, 10)

run(async () => {
  await startServer()
  const today = dayJst(Date.now())
  const yesterday = dayJst(Date.now() - 86400_000)
  const tomorrow = dayJst(Date.now() + 86400_000)
  const rB1 = cfg.residents.rB1
  // Ids in the facts are named by the fixture's keys (comm-a, rB1, …), so that the test can read them.
  const names = new Map([...Object.entries(cfg.users), ...Object.entries(cfg.residents)].map(([k, id]) => [id, k]))
  const named = id => (id ? (names.get(id) ?? id) : "")

  // comm-a's tablet (API only): enrolled and logged in, so that the people list has a tablet to show.
  const tab = await request.newContext({ baseURL: origin, extraHTTPHeaders: { Origin: origin } })
  const enrolled = await tab.post("/api/devices/enrol", { data: { code: cfg.codes["comm-a"] } })
  if (!enrolled.ok()) throw new Error(`enrol: ${enrolled.status()}`)
  const first = await tab.post("/api/session", { data: { login: "comm-a", password: cfg.password } })
  if (!first.ok()) throw new Error(`comm-a login: ${first.status()}`)
  // lead-b from a browser (API only), to see the disable work.
  const leadLogin = async password => {
    const c = await request.newContext({ baseURL: origin, extraHTTPHeaders: { Origin: origin } })
    const status = (await c.post("/api/session", { data: { login: "lead-b", password } })).status()
    await c.dispose()
    return status
  }

  const a11y = {}
  const small = {}
  const check = async (page, key) => {
    a11y[key] = await axe(page, key)
    small[key] = (await ergonomics(page)).small
  }

  // Whatever would change something: the actions' buttons, the 操作 column, the panels and forms.
  const changes = p =>
    p
      .locator(
        [
          ".row-actions",
          '[data-testid="person-panel"]',
          '[data-testid="end-panel"]',
          '[data-testid="add-assignment"]',
          "button:text-matches('再発行|停止|再開|担当を終える|担当を追加')",
          "a:text-matches('担当を決める')",
        ].join(", "),
      )
      .count()
  const { page } = await tablet("office")
  await officeLogin(page, "admin")
  const open = async (link, heading = link) => {
    await page.goto(`${origin}/#/`)
    await page.getByRole("link", { name: link, exact: true }).click()
    await page.getByRole("heading", { name: heading }).waitFor()
  }
  await page.getByRole("link", { name: "人（利用者）" }).waitFor()
  const adminLinks = await page.locator(".home-links a").allInnerTexts()

  // --- 人（利用者） ---------------------------------------------------------------------------------
  await open("人（利用者）")
  const person = login => page.locator(`[data-testid="person"][data-login="${login}"]`)
  const logins = () => page.getByTestId("person").evaluateAll(rows => rows.map(r => r.dataset.login))
  await person("comm-a").waitFor()
  const people = { all: await logins() }
  // The tablets column comes from the audit log's logins (loaded beside the list).
  await page.locator('[data-login="comm-a"] [data-testid="tablets"]', { hasText: "comm-a tablet" }).waitFor()
  people.commATablets = await person("comm-a").getByTestId("tablets").innerText()
  await check(page, "people")
  people.changes = await changes(page) // the administrator's: what city staff must not have
  const search = page.getByLabel("名前・ログイン名で探す")
  await search.fill("comm-a")
  await person("comm-b").waitFor({ state: "detached" })
  people.searchLogin = await logins()
  await search.fill("ＬＥＡＤ－Ｂさん") // the display name, typed full-width without the space
  await person("lead-a").waitFor({ state: "detached" })
  people.searchName = await logins()

  // パスワードの再発行 for comm-a: confirmed, then the temporary password, shown once.
  await search.fill("comm-a")
  await person("comm-a").getByRole("button", { name: "パスワードの再発行" }).click()
  const panel = page.getByTestId("person-panel")
  people.resetAsks = await panel.innerText()
  await panel.getByRole("button", { name: "再発行する" }).click()
  const temporary = (await page.getByTestId("temporary-password").innerText()).trim()
  people.temporaryPattern = /^\d{4}-\d{4}-\d{4}-\d{4}$/.test(temporary)
  await check(page, "peopleReset")
  // It works: comm-a's tablet (its session ended by the reset) logs in with it and must choose a new one.
  const again = await tab.post("/api/session", { data: { login: "comm-a", password: temporary } })
  people.temporaryLogin = { status: again.status(), mustChange: (await again.json()).must_change_password === true }
  await panel.getByRole("button", { name: "控えました（表示を消す）" }).click()
  await panel.waitFor({ state: "detached" })
  people.passwordAfterClose = (await page.locator("main").innerText()).includes(temporary)
  people.commAState = await person("comm-a").getByTestId("state").innerText()
  // Nor after the screen is opened again.
  await reload(page)
  await page.getByRole("heading", { name: "人（利用者）" }).waitFor()
  await person("comm-a").waitFor()
  people.passwordAfterReload = (await page.locator("main").innerText()).includes(temporary)

  // 利用停止 and 再開 for lead-b.
  people.leadBLoginBefore = await leadLogin(cfg.password)
  await search.fill("lead-b")
  await person("lead-b").getByRole("button", { name: "利用を停止" }).click()
  await page.getByTestId("person-panel").getByRole("button", { name: "利用を停止する" }).click()
  await page.locator('[data-login="lead-b"][data-state="disabled"]').waitFor()
  people.disabledDone = await page.getByTestId("people-done").innerText()
  people.leadBLoginDisabled = await leadLogin(cfg.password)
  await search.fill("")
  await page.getByLabel("状態").selectOption("disabled")
  await page.locator('[data-testid="person"][data-state="active"]').first().waitFor({ state: "detached" })
  people.stopped = await logins()
  await check(page, "peopleStopped")
  await person("lead-b").getByRole("button", { name: "利用を再開" }).click()
  await page.getByTestId("person-panel").getByRole("button", { name: "利用を再開する" }).click()
  await page.getByTestId("people-done").filter({ hasText: "再開" }).waitFor()
  await page.getByLabel("状態").selectOption("")
  await page.locator('[data-login="lead-b"][data-state="active"]').waitFor()
  people.leadBLoginEnabled = await leadLogin(cfg.password)

  // 役割・地区を変える: lead-b moves to 神楽岡 (the panel, the line that says it, the row), then back.
  await search.fill("lead-b")
  const moveLeadB = async district => {
    await person("lead-b").getByRole("button", { name: "役割・地区を変える" }).click()
    const rolePanel = page.getByTestId("person-panel")
    await rolePanel.locator('select[name="new-district"]').selectOption({ label: district })
    if (district === "神楽岡") await check(page, "peopleRole")
    await rolePanel.getByRole("button", { name: "変える", exact: true }).click()
    await page.getByTestId("people-done").filter({ hasText: district }).waitFor()
    return { done: await page.getByTestId("people-done").innerText(), row: await person("lead-b").innerText() }
  }
  people.moved = await moveLeadB("神楽岡")
  people.movedBack = await moveLeadB("永山")
  await search.fill("")

  // --- 見守り対象者, 担当 ---------------------------------------------------------------------------
  const ids = async testid => (await page.getByTestId(testid).evaluateAll(rows => rows.map(r => r.dataset.id))).map(named)
  const residents = {}
  await open("見守り対象者")
  await page.getByTestId("resident").first().waitFor()
  residents.all = (await ids("resident")).length
  await check(page, "residents")
  const rsearch = page.getByLabel("氏名・ふりがなで探す")
  await rsearch.fill("シケン") // ふりがな しけん, typed in katakana
  residents.searchKana = (await ids("resident")).length
  await rsearch.fill("花子")
  await page.getByTestId("resident").nth(1).waitFor({ state: "detached" })
  residents.searchName = await ids("resident")
  await rsearch.fill("")
  await page.getByRole("radio", { name: /^担当なし/ }).click()
  await page.getByTestId("resident").first().waitFor({ state: "detached" })
  residents.unassignedBefore = await ids("resident")

  const assignments = {}
  await open("担当")
  await page.getByTestId("assignment").first().waitFor()
  assignments.open = (await ids("assignment")).length
  await check(page, "assignments")
  const rowB1 = page.locator(`[data-testid="assignment"][data-resident="${rB1}"]`)
  names.set(await rowB1.getAttribute("data-id"), "assignment of rB1")
  await rowB1.getByRole("button", { name: "担当を終える" }).click()
  const end = page.getByTestId("end-panel")
  await end.getByLabel("最後の日").fill(yesterday)
  await check(page, "assignmentsEnd")
  await end.getByRole("button", { name: "担当を終える" }).click()
  assignments.endDone = await page.getByTestId("assignments-done").innerText()
  await rowB1.waitFor({ state: "detached" }) // ended: no longer among 担当中とこれから
  assignments.openAfterEnd = (await ids("assignment")).length
  await page.getByLabel("表示する担当").selectOption("ended")
  await rowB1.waitFor()
  assignments.ended = await rowB1.evaluate(r => ({ state: r.dataset.state, ends: r.children[4].textContent }))

  await open("見守り対象者")
  await page.getByTestId("resident").first().waitFor()
  await page.getByRole("radio", { name: /^担当なし/ }).click()
  await page.locator(`[data-testid="resident"][data-id="${rB1}"]`).waitFor()
  residents.unassignedAfterEnd = await ids("resident")
  residents.unassignedWatchers = await page.getByTestId("watchers").allInnerTexts()
  await check(page, "residentsUnassigned")
  // 担当を決める: rB1's 担当, where comm-b is assigned again from today.
  await page.getByRole("link", { name: /^担当を決める/ }).click()
  await page.getByTestId("add-assignment").waitFor()
  await page.getByTestId("assignment").first().waitFor()
  assignments.oneBefore = await page.getByTestId("assignment").evaluateAll(rs => rs.map(r => r.dataset.state))
  await check(page, "assignmentOne")
  await page.getByTestId("add-assignment").locator('select[name="commissioner"]').selectOption({ label: "comm-b さん（comm-b）" })
  assignments.addFrom = await page.getByLabel("開始日").inputValue()
  await page.getByRole("button", { name: "担当を追加する" }).click()
  await page.getByTestId("assignments-done").waitFor()
  await page.locator('[data-testid="assignment"][data-state="current"]').waitFor()
  names.set(await page.locator('[data-testid="assignment"][data-state="current"]').getAttribute("data-id"), "new assignment of rB1")
  assignments.oneAfter = await page.getByTestId("assignment").evaluateAll(rs => rs.map(r => r.dataset.state))
  await open("見守り対象者")
  await page.getByTestId("resident").first().waitFor()
  await page.getByRole("radio", { name: /^担当なし/ }).click()
  await page.getByTestId("resident").first().waitFor({ state: "detached" })
  residents.unassignedAfterAdd = await ids("resident")

  // --- 地区 ----------------------------------------------------------------------------------------
  await open("地区")
  await page.getByTestId("district").first().waitFor()
  const districtRows = () =>
    page.getByTestId("district").evaluateAll(rows =>
      rows.map(r => ({
        code: r.dataset.code,
        residents: r.querySelector('[data-testid="district-residents"]').textContent,
        unassigned: r.querySelector('[data-testid="district-unassigned"]').textContent,
      })),
    )
  await page.locator('[data-testid="district-residents"]', { hasText: "人" }).first().waitFor()
  const districts = await districtRows()
  await check(page, "districts")

  // --- 操作の記録 ------------------------------------------------------------------------------------
  await open("操作の記録")
  await page.getByTestId("audit-entry").first().waitFor()
  const entries = () =>
    page
      .getByTestId("audit-entry")
      .evaluateAll(rows => rows.map(r => ({ action: r.dataset.action, actor: r.dataset.actor, target: r.dataset.target })))
      .then(es => es.map(e => ({ ...e, actor: named(e.actor), target: named(e.target) })))
  // How many entries the filters leave ("N件中 M件"), over every page.
  // The screen asks the server on every change of a filter: read it once the answer is on screen.
  const settled = p => p.locator('[data-testid="audit"][aria-busy="false"]').waitFor()
  const shownCount = async () => {
    await settled(page)
    return Number((await page.getByTestId("count").innerText()).match(/(\d+)件$/)?.[1])
  }
  const audit = { all: await shownCount() }
  await check(page, "audit")
  const action = page.getByLabel("何を")
  const filtered = async value => {
    await action.selectOption(value)
    await page.locator(`[data-testid="audit-entry"]:not([data-action="${value}"])`).first().waitFor({ state: "detached" })
    await settled(page)
    return entries()
  }
  audit.reset = await filtered("user.password_reset")
  await check(page, "auditFiltered")
  audit.disable = await filtered("user.disable")
  audit.enable = await filtered("user.enable")
  audit.assignmentEnd = await filtered("assignment.end")
  audit.assignmentCreate = await filtered("assignment.create")
  await page.getByLabel("誰が").selectOption(cfg.users.admin)
  await page.locator('[data-testid="audit-entry"][data-actor=""]').first().waitFor({ state: "detached" })
  audit.assignmentCreateByAdmin = await shownCount()
  await action.selectOption("")
  await page.getByLabel("誰が").selectOption("")
  await page.getByLabel("いつから").fill(today)
  await page.getByLabel("いつまで").fill(today)
  audit.today = await shownCount()
  await page.getByLabel("いつから").fill(tomorrow)
  await page.getByLabel("いつまで").fill(tomorrow)
  await page.getByTestId("audit-entry").first().waitFor({ state: "detached" })
  audit.tomorrow = await shownCount()

  // --- city staff: the same lists, for reading ----------------------------------------------------
  const office2 = await tablet("office-staff")
  const staffPage = office2.page
  await officeLogin(staffPage, "staff")
  await staffPage.getByRole("link", { name: "地区", exact: true }).waitFor()
  const staff = { links: await staffPage.locator(".home-links a").allInnerTexts() }
  const openStaff = async (link, heading = link) => {
    await staffPage.goto(`${origin}/#/`)
    await staffPage.getByRole("link", { name: link, exact: true }).click()
    await staffPage.getByRole("heading", { name: heading }).waitFor()
  }
  const readOnly = () => staffPage.getByTestId("read-only").allInnerTexts()
  const staffIds = async testid => (await staffPage.getByTestId(testid).evaluateAll(rows => rows.map(r => r.dataset.id))).map(named)

  await openStaff("人（利用者）")
  await staffPage.getByTestId("person").first().waitFor()
  staff.people = await staffPage.getByTestId("person").evaluateAll(rows => rows.map(r => r.dataset.login))
  staff.peopleColumns = await staffPage.locator('[data-testid="people"] th').allInnerTexts()
  staff.peopleChanges = await changes(staffPage)
  staff.peopleReadOnly = await readOnly()
  await check(staffPage, "peopleStaff")

  await openStaff("見守り対象者")
  await staffPage.getByTestId("resident").first().waitFor()
  staff.residents = (await staffIds("resident")).length
  await staffPage.getByRole("radio", { name: /^担当なし/ }).click()
  await staffPage.getByTestId("resident").first().waitFor({ state: "detached" })
  staff.unassigned = await staffIds("resident")
  await staffPage.getByRole("radio", { name: "すべて" }).click()
  await staffPage.getByTestId("resident").first().waitFor()
  staff.residentLinks = [...new Set(await staffPage.locator('[data-testid="resident"] a').allInnerTexts())]
  staff.residentsChanges = await changes(staffPage)
  staff.residentsReadOnly = await readOnly()
  await check(staffPage, "residentsStaff")

  await openStaff("担当")
  await staffPage.getByTestId("assignment").first().waitFor()
  staff.assignments = (await staffIds("assignment")).length
  staff.assignmentColumns = await staffPage.locator('[data-testid="assignments"] th').allInnerTexts()
  staff.assignmentsChanges = await changes(staffPage)
  staff.assignmentsReadOnly = await readOnly()
  await check(staffPage, "assignmentsStaff")
  // One resident's 担当 (rB1: the one ended yesterday and the new one from today), with no 担当を追加する.
  await staffPage.locator(`[data-testid="assignment"][data-resident="${rB1}"] a`).click()
  await staffPage.getByRole("heading", { name: /^担当：/ }).waitFor()
  await staffPage.locator('[data-testid="assignment"][data-state="ended"]').waitFor()
  staff.assignmentOne = await staffPage.getByTestId("assignment").evaluateAll(rs => rs.map(r => r.dataset.state))
  staff.assignmentOneChanges = await changes(staffPage)
  await check(staffPage, "assignmentOneStaff")

  await openStaff("操作の記録")
  await staffPage.getByTestId("audit-entry").first().waitFor()
  await settled(staffPage)
  staff.audit = Number((await staffPage.getByTestId("count").innerText()).match(/(\d+)件$/)?.[1])
  await staffPage.getByLabel("何を").selectOption("user.password_reset")
  await staffPage.locator('[data-testid="audit-entry"]:not([data-action="user.password_reset"])').first().waitFor({ state: "detached" })
  await settled(staffPage)
  staff.auditReset = (
    await staffPage
      .getByTestId("audit-entry")
      .evaluateAll(rows => rows.map(r => ({ action: r.dataset.action, actor: r.dataset.actor, target: r.dataset.target })))
  ).map(e => ({ ...e, actor: named(e.actor), target: named(e.target) }))
  staff.auditChanges = await changes(staffPage)
  await check(staffPage, "auditStaff")

  await openStaff("地区")
  await staffPage.locator('[data-testid="district-residents"]', { hasText: "人" }).first().waitFor()
  await staffPage.locator('[data-testid="district"] td', { hasText: "…" }).first().waitFor({ state: "detached" })
  staff.districts = await staffPage.getByTestId("district").evaluateAll(rows => rows.map(r => r.dataset.code))
  staff.districtColumns = await staffPage.locator('[data-testid="districts"] th').allInnerTexts()
  staff.districtPeople = await staffPage
    .getByTestId("district")
    .evaluateAll(rows => rows.map(r => [...r.querySelectorAll("td")].slice(4).map(td => td.textContent)))
  await check(staffPage, "districtsStaff")

  // The server refuses city staff a change, whatever the screen shows (the staff browser's session).
  const refused = {}
  const post = async (what, path, data = {}) => {
    refused[what] = await staffPage.evaluate(
      async ([path, data]) => (await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(data) })).status,
      [path, data],
    )
  }
  await post("passwordReset", `/api/admin/users/${cfg.users["comm-a2"]}/password-reset`)
  await post("disable", `/api/admin/users/${cfg.users["comm-a2"]}/disable`)
  await post("assign", "/api/admin/assignments", { resident_id: rB1, commissioner_id: cfg.users["comm-b"], starts_on: tomorrow })
  staff.refused = refused

  return {
    today,
    yesterday,
    adminLinks,
    people,
    residents,
    assignments,
    districts,
    audit,
    staff,
    axe: a11y,
    small,
  }
})
