import { describe, expect, it } from "vitest"
import { bandWords, jstInputMs, jstInputNow, jstWords } from "./disaster"

describe("災害モード words", () => {
  const at = Date.parse("2026-12-03T06:05:00+09:00")
  it("says when in Japan time, whatever the tablet's zone", () => {
    expect(jstWords(at)).toBe("12月3日 6:05")
    expect(bandWords({ title: "大雪・暴風雪", occurred_at: at, drill: false })).toBe("災害モード：大雪・暴風雪（12月3日 6:05から）")
    expect(bandWords({ title: "地震", occurred_at: at, drill: true })).toBe("【訓練】災害モード：地震（12月3日 6:05から）")
  })
  it("reads the form's time as Japan time, and writes now the same way", () => {
    expect(jstInputMs("2026-12-03T06:05")).toBe(at)
    expect(jstInputMs("")).toBeUndefined()
    expect(jstInputMs("12/3 6:05")).toBeUndefined()
    expect(jstInputNow(at)).toBe("2026-12-03T06:05")
  })
})
