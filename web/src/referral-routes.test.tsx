import { describe, expect, it } from "vitest"
import { isValidElement, type ReactElement } from "react"
import { screenFor } from "./routes"
import type { Me, Role } from "./api"
import type { DocEntry, State, Store } from "./store"

/** The screen a user of `role` sees at `hash`: its component's name, the alert's id, saved or not. */
function shown(role: Role, hash: string): string {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean)
  const docs = [{ residentId: "A" }] as DocEntry[]
  const el = screenFor(parts, { store: {} as Store, s: { docs } as State, me: { id: "me", role } as Me })
  if (!isValidElement(el)) return String(el)
  const { type, props } = el as ReactElement<{ id?: string; saved?: boolean; back?: string; done?: string }>
  const name = (type as { name: string }).name
  return [name, props.id, props.saved === true ? "saved" : undefined, props.back, props.done].filter(Boolean).join(" ")
}

describe("the つなぎ (referral) routes", () => {
  it("open the form from a resident's page, back there saying 保存しました", () => {
    expect(shown("commissioner", "#/r/A/referral")).toBe("ReferralForm r/A r/A/referral/saved")
    expect(shown("district_lead", "#/r/A/referral")).toBe("ReferralForm r/A r/A/referral/saved")
    expect(shown("commissioner", "#/r/A/referral/saved")).toBe("ResidentPage saved")
    expect(shown("commissioner", "#/r/B/referral")).toBe("Missing")
    expect(shown("city_staff", "#/r/A/referral")).toBe("StaffHome")
  })

  it("open the form from an alert for the lead only, back to the alert saying 保存しました", () => {
    expect(shown("district_lead", "#/alerts/7/referral")).toBe("AlertReferral 7")
    expect(shown("district_lead", "#/alerts/7/referral/saved")).toBe("AlertScreen 7 saved")
    expect(shown("district_lead", "#/alerts/7")).toBe("AlertScreen 7")
    expect(shown("commissioner", "#/alerts/7/referral")).toBe("CommissionerHome")
  })
})
