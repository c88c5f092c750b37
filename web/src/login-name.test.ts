import { describe, expect, it } from "vitest"
import { normalizeLogin } from "./login-name"

describe("the login name as a Japanese tablet keyboard types it", () => {
  it("reads full-width letters, digits and hyphens as the server's spelling", () => {
    expect(normalizeLogin("ｋａｇｕｒａｏｋａ－０１")).toBe("kaguraoka-01")
    expect(normalizeLogin("ＫＡＧＵＲＡＯＫＡ－０１")).toBe("kaguraoka-01")
    expect(normalizeLogin("kaguraoka-０１")).toBe("kaguraoka-01")
  })

  it("takes a kana-mode long-vowel mark or dash for the hyphen, and 。 for the full stop", () => {
    expect(normalizeLogin("kaguraokaー01")).toBe("kaguraoka-01")
    expect(normalizeLogin("kaguraoka−01")).toBe("kaguraoka-01")
    expect(normalizeLogin("tanaka。hanako")).toBe("tanaka.hanako")
    expect(normalizeLogin("ｔａｎａｋａ．ｈａｎａｋｏ")).toBe("tanaka.hanako")
    expect(normalizeLogin("ｔａｎａｋａ＿ｈａｎａｋｏ")).toBe("tanaka_hanako")
  })

  it("drops spaces around it (full-width too) and capitals; leaves the rest for the server to judge", () => {
    expect(normalizeLogin("　Comm-A ")).toBe("comm-a")
    expect(normalizeLogin("comm-a")).toBe("comm-a")
    expect(normalizeLogin("たなか")).toBe("たなか")
    expect(normalizeLogin("")).toBe("")
  })
})
