import { describe, expect, it } from "vitest"
import { contactsNewestFirst, lastContact, dayJst, daysSince, formatJst, monthDay, monthDayJa, nowJst, type ResidentDoc } from "./schema"

describe("times in Japan", () => {
  it("writes now in JST with milliseconds", () => {
    expect(nowJst(new Date("2026-11-23T14:51:05.123Z"))).toBe("2026-11-23T23:51:05.123+09:00")
  })
  it("takes the Japanese calendar day, not the UTC one", () => {
    expect(dayJst("2026-11-23T16:00:00Z")).toBe("2026-11-24")
    expect(formatJst("2026-11-23T16:05:00Z")).toBe("2026年11月24日 01:05")
  })
  it("writes a day short, without leading zeros", () => {
    expect(monthDay("2026-11-03")).toBe("11/3")
    expect(monthDayJa("2026-01-20")).toBe("1月20日")
  })
  it("counts days since the last contact by the Japanese day", () => {
    expect(daysSince("2026-11-20T23:59:00+09:00", new Date("2026-11-23T01:00:00+09:00"))).toBe(3)
    expect(daysSince(undefined)).toBeUndefined()
  })
})

describe("the timeline", () => {
  it("puts the newest first, also for records made within one second", () => {
    const c = (id: string, occurredAt: string) => ({ id, occurredAt })
    const doc = {
      contacts: {
        a: c("a", "2026-11-23T23:51:05.100+09:00"),
        b: c("b", "2026-11-23T23:51:05.900+09:00"),
        z: c("z", "2026-11-23T23:51:05.500+09:00"),
        old: c("old", "2026-11-20T10:00:00+09:00"),
      },
    } as unknown as ResidentDoc
    expect(contactsNewestFirst(doc).map(x => x.id)).toEqual(["b", "z", "a", "old"])
    expect(lastContact(doc)?.id).toBe("b")
  })

  it("picks the same last contact as the timeline when two share a time", () => {
    const c = (id: string) => ({ id, occurredAt: "2026-11-23T10:00:00+09:00" })
    const doc = { contacts: { p: c("p"), q: c("q"), o: c("o") } } as unknown as ResidentDoc
    expect(lastContact(doc)?.id).toBe(contactsNewestFirst(doc)[0].id)
    expect(lastContact({} as ResidentDoc)).toBeUndefined()
  })
})
