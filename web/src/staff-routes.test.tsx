import { describe, expect, it } from "vitest"
import { isValidElement, type ReactElement } from "react"
import { screenFor } from "./routes"
import type { Me, Role } from "./api"
import type { State, Store } from "./store"

/** The screen's component name (and the resident id of one resident's 担当) a role sees at `hash`. */
function shown(role: Role, hash: string): string {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean)
  const el = screenFor(parts, { store: {} as Store, s: { docs: [] } as unknown as State, me: { id: "me", role } as Me })
  if (!isValidElement(el)) return String(el)
  const { type, props } = el as ReactElement<{ residentId?: string }>
  return [(type as { name: string }).name, props.residentId].filter(Boolean).join(" ")
}

describe("the staff screens' routes", () => {
  it("open the office's lists for city staff and the administrator only", () => {
    for (const role of ["admin", "city_staff"] as Role[]) {
      expect(shown(role, "#/people")).toBe("People")
      expect(shown(role, "#/residents")).toBe("Residents")
      expect(shown(role, "#/assignments")).toBe("Assignments")
      expect(shown(role, "#/assignments/R1")).toBe("Assignments R1")
      expect(shown(role, "#/audit")).toBe("Audit")
    }
    for (const role of ["district_lead", "commissioner"] as Role[])
      for (const hash of ["#/people", "#/assignments", "#/assignments/R1", "#/audit"])
        expect(shown(role, hash)).not.toMatch(/People|Assignments|Audit/)
    expect(shown("commissioner", "#/residents")).toBe("CommissionerHome")
  })
  it("give each list the caller's role, which decides whether it offers changes", () => {
    const role = (r: Role, hash: string) => {
      const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean)
      const el = screenFor(parts, { store: {} as Store, s: { docs: [] } as unknown as State, me: { id: "me", role: r } as Me })
      const props = (el as ReactElement<{ role?: Role; me?: Me }>).props
      return props.role ?? props.me?.role
    }
    for (const hash of ["#/people", "#/residents", "#/assignments", "#/assignments/R1"]) {
      expect(role("city_staff", hash)).toBe("city_staff")
      expect(role("admin", hash)).toBe("admin")
    }
  })
  it("keep #/residents the lead's own list for the lead", () => {
    expect(shown("district_lead", "#/residents")).toBe("AllResidents")
  })
  it("open 地区 for city staff and the administrator", () => {
    expect(shown("city_staff", "#/districts")).toBe("Districts")
    expect(shown("admin", "#/districts")).toBe("Districts")
    expect(shown("district_lead", "#/districts")).toBe("LeadHome")
  })
})
