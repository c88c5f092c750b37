// QR codes for the enrolment sheet (タブレットの登録用紙): the matrix from qrcode-generator, drawn as one
// SVG path (no canvas, no inline markup), with the quiet zone of 4 modules the standard asks for.
import qrcode from "qrcode-generator"

/** Modules of white border around the code (ISO/IEC 18004 asks for 4). */
export const QUIET_ZONE = 4

/** The QR code's modules for `text` (byte mode, the smallest version that holds it, error correction M). */
export function qrMatrix(text: string): boolean[][] {
  const qr = qrcode(0, "M")
  qr.addData(text, "Byte")
  qr.make()
  const n = qr.getModuleCount()
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.isDark(r, c)))
}

/**
 * The dark modules as an SVG path in module units, offset by the quiet zone: one `M x y h w v1 h-w z`
 * per horizontal run of dark modules. The viewBox is `0 0 size size` with `size` returned alongside.
 */
export function qrPath(matrix: boolean[][]): { d: string; size: number } {
  const parts: string[] = []
  matrix.forEach((row, r) => {
    let c = 0
    while (c < row.length) {
      if (!row[c]) {
        c++
        continue
      }
      const start = c
      while (c < row.length && row[c]) c++
      parts.push(`M${start + QUIET_ZONE} ${r + QUIET_ZONE}h${c - start}v1h-${c - start}z`)
    }
  })
  return { d: parts.join(""), size: matrix.length + 2 * QUIET_ZONE }
}
