// The office home: city staff's (活動記録 of the city, the charts, 降雪日 for every district) and the
// administrator's (改選・引き継ぎ, タブレットの管理); both import the 名簿, see 人, 見守り対象者, 担当,
// 操作の記録 and 地区 (city staff for reading) and write お知らせ here. Any other role opening #/staff
// sees only the notices part.
import { api, type Role } from "../../api"
import { Charts } from "../common/Charts"
import { Snowfall } from "../common/Snowfall"
import { StaffNotices } from "./StaffNotices"
import { Overview } from "./Overview"

export function StaffHome({ role }: { role: Role }) {
  return (
    <>
      <nav className="home-links">
        {(role === "admin" || role === "city_staff") && (
          <a className="button" href="#/roster">
            名簿の取り込み
          </a>
        )}
        {role === "admin" && (
          <a className="button" href="#/handover">
            改選・引き継ぎ
          </a>
        )}
        {(role === "admin" || role === "city_staff") && (
          <>
            <a className="button" href="#/people">
              人（利用者）
            </a>
            <a className="button" href="#/residents">
              見守り対象者
            </a>
            <a className="button" href="#/assignments">
              担当
            </a>
            <a className="button" href="#/audit">
              操作の記録
            </a>
          </>
        )}
        {(role === "admin" || role === "city_staff") && (
          <>
            <a className="button" href="#/districts">
              地区
            </a>
            <a className="button" href="#/disasters">
              災害モード
            </a>
          </>
        )}
        {role === "admin" && (
          <a className="button" href="#/devices">
            タブレットの管理
          </a>
        )}
        {role === "city_staff" && (
          <a className="button" href="#/reports">
            活動記録（市の集計）
          </a>
        )}
      </nav>
      {(role === "city_staff" || role === "admin") && <Overview />}
      {role === "city_staff" && <Charts />}
      {role === "city_staff" && <Snowfall mark={day => api.markCitySnowfall(day)} scope="全地区" />}
      <StaffNotices />
    </>
  )
}
