import { describe, expect, it } from "vitest"
import { isValidElement, type ReactElement } from "react"
import { screenFor } from "./routes"
import type { Me, Role } from "./api"
import type { DocEntry, State, Store } from "./store"

/** The screen a user of `role` sees at `hash`, as its component's name and the props that matter. */
function shown(role: Role, hash: string): string {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean)
  const docs = [{ residentId: "A" }] as DocEntry[]
  const el = screenFor(parts, { store: {} as Store, s: { docs } as State, me: { id: "me", role } as Me })
  if (!isValidElement(el)) return String(el)
  const { type, props } = el as ReactElement<{ residentId?: string; id?: string; role?: string; saved?: boolean }>
  const name = (type as { name: string }).name
  const detail = [props.residentId, props.id, props.role, props.saved === true ? "saved" : undefined].filter(Boolean)
  return [name, ...detail].join(" ")
}

describe("route table", () => {
  it("opens each role's home at #/, and at a hash the role may not open", () => {
    expect(shown("commissioner", "#/")).toBe("CommissionerHome")
    expect(shown("district_lead", "#/")).toBe("LeadHome")
    expect(shown("city_staff", "#/")).toBe("StaffHome city_staff")
    expect(shown("admin", "#/")).toBe("StaffHome admin")
    expect(shown("commissioner", "#/review")).toBe("CommissionerHome")
    expect(shown("district_lead", "#/devices")).toBe("LeadHome")
    expect(shown("admin", "#/reports")).toBe("StaffHome admin")
    // The office roles hold no residents' records.
    expect(shown("city_staff", "#/r/A")).toBe("StaffHome city_staff")
    expect(shown("admin", "#/activities")).toBe("StaffHome admin")
  })

  it("opens a resident's screens on a tablet that holds the records", () => {
    expect(shown("commissioner", "#/r/A")).toBe("ResidentPage")
    expect(shown("district_lead", "#/r/A/saved")).toBe("ResidentPage saved")
    expect(shown("commissioner", "#/r/A/record")).toBe("RecordForm")
    expect(shown("commissioner", "#/r/B")).toBe("Missing")
    expect(shown("commissioner", "#/r")).toBe("CommissionerHome")
  })

  it("opens the lead's screens for the lead, with their IDs", () => {
    expect(shown("district_lead", "#/review")).toBe("ReviewList")
    expect(shown("district_lead", "#/review/A")).toBe("ReviewList A")
    expect(shown("district_lead", "#/alerts/7")).toBe("AlertScreen 7")
    expect(shown("district_lead", "#/alerts")).toBe("AlertHistory")
    expect(shown("district_lead", "#/residents")).toBe("AllResidents")
    expect(shown("district_lead", "#/overdue")).toBe("Overdue")
  })

  it("opens the shared screens for whoever may see them", () => {
    expect(shown("city_staff", "#/reports")).toBe("Reports")
    expect(shown("commissioner", "#/reports/x")).toBe("Reports")
    expect(shown("admin", "#/notices/N")).toBe("NoticeDetail N")
    expect(shown("commissioner", "#/notices")).toBe("NoticeList")
    expect(shown("admin", "#/devices")).toBe("Devices")
    expect(shown("commissioner", "#/staff")).toBe("StaffHome commissioner")
  })
})
