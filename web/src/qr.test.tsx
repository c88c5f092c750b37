import { describe, expect, it } from "vitest"
import { renderToStaticMarkup } from "react-dom/server"
import jsQR from "jsqr"
import { QrCode } from "./screens/staff/EnrolmentSheet"
import { bulkLabel, bulkProblem, issueInSequence, sheetPages } from "./bulk-devices"
import type { DeviceIssued } from "./api"
import { ApiError } from "./api"

/**
 * What a camera would read from the SVG the sheet shows: the rendered markup's viewBox and path,
 * painted into an RGBA bitmap (`scale` pixels a module, the SVG's white background), decoded by jsQR.
 */
function decodeRendered(markup: string, scale = 4): string | undefined {
  const size = Number(/viewBox="0 0 (\d+) \1"/.exec(markup)?.[1])
  const d = /<path d="([^"]+)"/.exec(markup)?.[1] ?? ""
  const px = size * scale
  const rgba = new Uint8ClampedArray(px * px * 4).fill(255)
  // The path is runs `M x y h w v1 h-w z` (qr.ts); anything else would not be painted, and not decode.
  for (const [, x, y, w] of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
    for (let r = +y * scale; r < (+y + 1) * scale; r++)
      for (let c = +x * scale; c < (+x + +w) * scale; c++) rgba.fill(0, (r * px + c) * 4, (r * px + c) * 4 + 3)
  }
  return jsQR(rgba, px, px)?.data
}

describe("the enrolment sheet's QR code", () => {
  const url = "https://mimamori.city.asahikawa.example.jp/#/enrol/ABCD-EFGH-JKLM"

  it("decodes back to the enrolment link it was made from", () => {
    const markup = renderToStaticMarkup(<QrCode text={url} title="神楽岡 研修用 01の登録用QRコード" />)
    expect(markup).toContain('role="img"')
    expect(decodeRendered(markup)).toBe(url)
  })

  it("holds each code's own link (another code, another picture)", () => {
    const other = url.replace("ABCD-EFGH-JKLM", "ZZZZ-2345-6789")
    const a = renderToStaticMarkup(<QrCode text={url} title="a" />)
    const b = renderToStaticMarkup(<QrCode text={other} title="b" />)
    expect(a).not.toBe(b)
    expect(decodeRendered(b)).toBe(other)
    // A local test server's link, as the browser story prints it.
    const local = "http://127.0.0.1:18931/#/enrol/PQRS-TUVW-XY23"
    expect(decodeRendered(renderToStaticMarkup(<QrCode text={local} title="c" />))).toBe(local)
  })
})

describe("タブレットをまとめて登録する", () => {
  const issued = (label: string, i: number): DeviceIssued => ({
    device: {
      id: `d${i}`,
      label,
      state: "awaiting_enrolment",
      update_required: false,
      enrolled_at: null,
      revoked_at: null,
      last_seen_at: null,
      app_version: null,
      wiped_at: null,
    },
    enrolment_code: `CODE-${i}`,
    enrolment_url: `http://x/#/enrol/CODE-${i}`,
    expires_at: 0,
  })

  it("numbers the tablets as wide as the count", () => {
    expect(bulkLabel(" 神楽岡 研修用 ", 3, 14)).toBe("神楽岡 研修用 03")
    expect(bulkLabel("研修", 7, 120)).toBe("研修 007")
    expect(bulkLabel("研修", 1, 1)).toBe("研修 01")
  })

  it("asks for a count from 1 to 120 and a prefix", () => {
    expect(bulkProblem("14", "神楽岡 研修用")).toBeUndefined()
    expect(bulkProblem("120", "a")).toBeUndefined()
    for (const bad of ["", "0", "121", "2.5", "-1", "abc"]) expect(bulkProblem(bad, "a")?.field).toBe("count")
    expect(bulkProblem("3", "  ")?.field).toBe("prefix")
    expect(bulkProblem("3", "あ".repeat(91))?.field).toBe("prefix")
  })

  it("issues one after another, and at an error stops, keeps what was issued and names the number", async () => {
    const asked: string[] = []
    const seen: number[] = []
    const r = await issueInSequence(
      5,
      "研修",
      async label => {
        asked.push(label)
        if (asked.length === 4) throw new ApiError(403, "forbidden", "この操作は管理者だけができます。")
        return issued(label, asked.length)
      },
      n => seen.push(n),
      e => (e as Error).message,
    )
    expect(asked).toEqual(["研修 01", "研修 02", "研修 03", "研修 04"])
    expect(seen).toEqual([1, 2, 3])
    expect(r.issued.map(c => c.device.label)).toEqual(["研修 01", "研修 02", "研修 03"])
    expect(r.failed).toEqual({ number: 4, label: "研修 04", message: "この操作は管理者だけができます。" })
  })

  it("puts 12 cards on a page", () => {
    const cards = Array.from({ length: 14 }, (_, i) => issued(`t${i}`, i))
    expect(sheetPages(cards).map(p => p.length)).toEqual([12, 2])
    expect(sheetPages(cards.slice(0, 12)).map(p => p.length)).toEqual([12])
    expect(sheetPages([])).toEqual([])
  })
})
