import { describe, expect, it } from "vitest"
import { olderThan, safeToReload } from "./update"

describe("the app's update", () => {
  it("waits while anything is being written", () => {
    for (const hash of ["#/r/A/record", "#/r/A/referral", "#/new", "#/password", "#/activities", "#/r/A", "#/alerts/7/referral", "#/roster", "#/handover", "#/disasters", "#/login", "#/enrol/X"]) {
      expect(safeToReload(hash), hash).toBe(false)
    }
  })
  it("takes lists and pages where nothing is typed", () => {
    for (const hash of ["", "#/", "#/notices", "#/notices/n1", "#/r/A/saved", "#/r/A/referral/saved", "#/alerts", "#/disaster/d1/district", "#/people"]) {
      expect(safeToReload(hash), hash).toBe(true)
    }
  })
  it("compares versions as the server does", () => {
    expect(olderThan("0.1.0", "0.2.0")).toBe(true)
    expect(olderThan("0.9.9", "0.10.0")).toBe(true)
    expect(olderThan("0.2.0+v0.2.0-3-gabc", "0.2.0")).toBe(false)
    expect(olderThan("1.0.0", "0.2.0")).toBe(false)
    expect(olderThan("", "0.1.0")).toBe(true)
    expect(olderThan("0.1", "0.1.0")).toBe(true)
  })
})
