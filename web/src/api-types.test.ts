import { describe, expect, it } from "vitest"
import spec from "../openapi.json?raw"
import checkedIn from "./api-types.ts?raw"
import { apiTypes } from "../api-types.mjs"

describe("the server's response types", () => {
  it("in src/api-types.ts are what openapi-typescript makes of web/openapi.json", async () => {
    expect(checkedIn, "src/api-types.ts is stale: in web/, run `npm run api-types`").toBe(await apiTypes(spec))
  })
})
