import { describe, expect, it } from "vitest"
import cargoToml from "../../Cargo.toml?raw"
import { APP_VERSION } from "./api"

describe("the app's version", () => {
  it("is the server's, from Cargo.toml, not a constant of its own", () => {
    const cargo = /^version\s*=\s*"([^"]+)"/m.exec(cargoToml)?.[1]
    expect(cargo).toBeTruthy()
    expect(APP_VERSION.split("+")[0]).toBe(cargo)
  })
})
