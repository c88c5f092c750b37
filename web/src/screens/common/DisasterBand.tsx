// The band under the status bar while a declared disaster covers the caller's district (from
// /api/me, cached for an offline start): what and since when, and what to do first. The office's
// band links to 災害モード.
import type { DisasterOut, Role } from "../../api"
import { bandWords } from "../../disaster"

export function DisasterBand({ disasters, role }: { disasters: Pick<DisasterOut, "id" | "title" | "occurred_at" | "drill">[]; role: Role }) {
  if (disasters.length === 0) return null
  const office = role === "city_staff" || role === "admin"
  return (
    <div className="disaster-band" role="region" aria-label="災害モード" data-testid="disaster-band">
      {disasters.map(d => (
        <p key={d.id}>
          <strong>{bandWords(d)}</strong>
        </p>
      ))}
      {office ? (
        <a href="#/disasters">災害モードの画面へ</a>
      ) : (
        <p className="band-links">
          {disasters.map(d => (
            <span key={d.id}>
              <a className="button" href={`#/disaster/${encodeURIComponent(d.id)}`}>
                安否確認へ
              </a>
              {role === "district_lead" && (
                <a className="button" href={`#/disaster/${encodeURIComponent(d.id)}/district`}>
                  地区の安否の状況へ
                </a>
              )}
            </span>
          ))}
        </p>
      )}
      {!office && (
        <p>まずご自身とご家族の安全を確かめてください。担当の方の安否確認は、安全が確保できてからお願いします。</p>
      )}
    </div>
  )
}
