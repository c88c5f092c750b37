import { describe, expect, it } from "vitest"
import type { AssignmentOut, AuditOut } from "./api"
import {
  addDays,
  assignmentState,
  filterAudit,
  makesChanges,
  matches,
  NO_ACTOR,
  normalize,
  pageOf,
  termWords,
  handOverMoves,
  todayJst,
  watchersOn,
} from "./screens/staff/lists"

const asg = (id: string, resident: string, commissioner: string, starts_on: string, ends_on: string | null = null): AssignmentOut => ({
  id,
  resident_id: resident,
  commissioner_id: commissioner,
  starts_on,
  ends_on,
})

const entry = (id: number, at: string, action: string, actor: string | null, device: string | null = null): AuditOut => ({
  id,
  at: Date.parse(at),
  actor_user_id: actor,
  actor_device_id: device,
  action,
  target_kind: "user",
  target_id: null,
  detail: "{}",
})

describe("search", () => {
  it("finds ひらがな by カタカナ, 全角 by 半角, and ignores spaces and case", () => {
    expect(normalize("シケン　ハナコ")).toBe("しけんはなこ")
    expect(matches("しけん", "試験 花子", "シケン ハナコ")).toBe(true)
    expect(matches("ＣＯＭＭ－Ａ", "comm-a")).toBe(true)
    expect(matches("試験花子", "試験 花子")).toBe(true)
    expect(matches("太郎", "試験 花子", "しけん はなこ")).toBe(false)
    expect(matches("  ", "anything")).toBe(true)
    expect(matches("x", null, undefined)).toBe(false)
  })
})

describe("pages of 50", () => {
  const rows = Array.from({ length: 120 }, (_, i) => i)
  it("says which rows a page shows, and clamps a page past the end", () => {
    expect(pageOf(rows, 0)).toMatchObject({ page: 0, pages: 3, first: 1, last: 50, total: 120 })
    expect(pageOf(rows, 2).rows).toEqual(rows.slice(100))
    expect(pageOf(rows, 9)).toMatchObject({ page: 2, first: 101, last: 120 })
    expect(pageOf([], 3)).toMatchObject({ page: 0, pages: 1, first: 0, last: 0, total: 0, rows: [] })
  })
})

describe("who watches whom on a day", () => {
  const list = [
    asg("1", "rA1", "comm-a", "2025-12-01"),
    asg("2", "rB1", "comm-b", "2025-12-01", "2026-12-06"),
    asg("3", "rB1", "comm-b2", "2026-12-08"),
    asg("4", "rA1", "comm-a", "2026-01-01"),
  ]
  it("counts the end day in and a later start out (担当なし in between)", () => {
    expect([...watchersOn(list, "2026-12-06").entries()]).toEqual([
      ["rA1", ["comm-a"]],
      ["rB1", ["comm-b"]],
    ])
    expect(watchersOn(list, "2026-12-07").has("rB1")).toBe(false)
    expect(watchersOn(list, "2026-12-08").get("rB1")).toEqual(["comm-b2"])
  })
  it("names each assignment's state on the day", () => {
    expect(list.map(a => assignmentState(a, "2026-12-07"))).toEqual(["current", "ended", "future", "current"])
  })
  it("reads the day in Japan", () => {
    expect(todayJst(new Date("2026-12-06T15:30:00Z"))).toBe("2026-12-07")
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28")
  })
})

describe("the audit log's filters", () => {
  const log = [
    entry(3, "2026-12-07T09:00:00+09:00", "user.disable", "admin"),
    entry(2, "2026-12-06T23:59:00+09:00", "user.password_reset", "admin"),
    entry(1, "2026-12-06T00:00:00+09:00", "assignment.create", null),
  ]
  const ids = (f: Partial<Parameters<typeof filterAudit>[1]>) =>
    filterAudit(log, { actor: "", action: "", from: "", to: "", ...f }).map(e => e.id)
  it("filters by who, what and Japanese days (both included)", () => {
    expect(ids({})).toEqual([3, 2, 1])
    expect(ids({ action: "user.password_reset" })).toEqual([2])
    expect(ids({ actor: "admin" })).toEqual([3, 2])
    expect(ids({ actor: NO_ACTOR })).toEqual([1])
    expect(ids({ from: "2026-12-06", to: "2026-12-06" })).toEqual([2, 1])
    expect(ids({ from: "2026-12-07" })).toEqual([3])
    expect(ids({ to: "2026-12-05" })).toEqual([])
  })
  it("shows a term as the city writes days, and a dash for none", () => {
    expect(termWords({ term_starts_on: "2025-12-01", term_ends_on: "2028-11-30" })).toBe("2025/12/1〜2028/11/30")
    expect(termWords({ term_starts_on: "2025-12-01", term_ends_on: null })).toBe("2025/12/1〜")
    expect(termWords({ term_starts_on: null, term_ends_on: null })).toBe("—")
  })
})

describe("makesChanges", () => {
  it("is the administrator's alone: city staff read the lists only", () => {
    expect(makesChanges("admin")).toBe(true)
    for (const role of ["city_staff", "district_lead", "commissioner"] as const) expect(makesChanges(role)).toBe(false)
  })
})

describe("handOverMoves", () => {
  it("moves a whole caseload, or splits one resident by resident among successors", () => {
    expect(handOverMoves({ a: "b", c: "", d: "-" }, {})).toEqual([{ from: "a", to: "b" }, { from: "d" }])
    expect(
      handOverMoves({ a: "split" }, { a: { r1: "b", r2: "c", r3: "b", r4: "", r5: "-" } }),
    ).toEqual([
      { from: "a", to: "b", residents: ["r1", "r3"] },
      { from: "a", to: "c", residents: ["r2"] },
      { from: "a", residents: ["r5"] },
    ])
    expect(handOverMoves({ a: "split" }, {})).toEqual([])
  })
})
