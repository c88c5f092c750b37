// タブレットの登録用紙: the enrolment codes just issued (タブレットをまとめて登録する), 12 cards to an A4 page
// (3 × 4), each with the tablet's name, a QR code of its enrolment link, the code to type if the camera
// fails, and when it stops working. Printed with the browser's print (styles.css: .qr-sheet). The codes
// are in this screen's memory only: closing it (or leaving it) forgets them, and they cannot be shown again.
import { useMemo } from "react"
import type { DeviceIssued } from "../../api"
import type { BulkResult } from "../../bulk-devices"
import { sheetPages } from "../../bulk-devices"
import { qrMatrix, qrPath } from "../../qr"
import { formatMs } from "../../schema"

/** A QR code as SVG (black modules on white, the quiet zone included), sized by CSS. */
export function QrCode({ text, title }: { text: string; title: string }) {
  const { d, size } = useMemo(() => qrPath(qrMatrix(text)), [text])
  return (
    <svg
      className="qr"
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${size} ${size}`}
      shapeRendering="crispEdges"
      role="img"
      aria-label={title}
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  )
}

export const HOW_TO_ENROL = "タブレットのカメラでQRコードを読み取るか、下のコードを入力してください"

function Card({ c }: { c: DeviceIssued }) {
  return (
    <article className="qr-card" data-testid="qr-card">
      <h2 className="qr-label">{c.device.label}</h2>
      <QrCode text={c.enrolment_url} title={`${c.device.label}の登録用QRコード`} />
      <p className="qr-how">{HOW_TO_ENROL}</p>
      <p className="qr-code" data-testid="qr-code">
        {c.enrolment_code}
      </p>
      <p className="qr-expires">有効期限 {formatMs(c.expires_at)} まで</p>
    </article>
  )
}

export function EnrolmentSheet({ result, onClose }: { result: BulkResult; onClose: () => void }) {
  const { issued, failed } = result
  const pages = sheetPages(issued)
  const until = issued.length ? formatMs(Math.min(...issued.map(c => c.expires_at))) : ""
  function close() {
    if (window.confirm("この用紙を閉じると、登録コードはもう表示できません。印刷はすみましたか。")) onClose()
  }
  return (
    <section className="qr-sheet">
      <div className="no-print">
        <h1>タブレットの登録用紙</h1>
        {failed && (
          <p className="error" role="alert" data-testid="bulk-failed">
            {failed.number}台目（{failed.label}）の登録コードを発行できませんでした：{failed.message}
            そこで止めました。発行できた{issued.length}台分を下に並べています。
          </p>
        )}
        <p data-testid="sheet-summary">
          {issued.length}台分の登録コードです（A4で{pages.length}枚、1枚に12台分）。
        </p>
        <p className="qr-note">
          登録コードの有効期限は発行から7日間（{until} まで）です。この用紙は研修の場で、タブレットを使う方に直接手渡ししてください（郵送・メール・写真での共有はしないでください）。
          コードはこの画面にだけあり、どこにも保存していません。閉じると二度と表示できないので、先に印刷してください。
        </p>
        <div className="actions">
          <button type="button" className="primary" onClick={() => window.print()}>
            印刷する
          </button>
          <button type="button" onClick={close}>
            閉じる
          </button>
        </div>
      </div>
      {pages.map((cards, p) => (
        <section className="qr-page" key={p} data-testid="qr-page" aria-label={`登録用紙 ${p + 1}枚目`}>
          {cards.map(c => (
            <Card key={c.device.id} c={c} />
          ))}
        </section>
      ))}
    </section>
  )
}
