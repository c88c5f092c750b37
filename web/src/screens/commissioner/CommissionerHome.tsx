// A commissioner's home (#/): the links to わたしの活動 and the month's 活動記録, the lead's requests
// waiting for an answer (Tasks), わたしの見守り, and — while no declared disaster covers the district —
// the way into 安否確認 before the city's declaration arrives.
import { useSyncExternalStore } from "react"
import type { Store } from "../../store"
import { MyResidents } from "./MyResidents"
import { Tasks } from "./Tasks"
import { LOCAL } from "../../safety"

export function CommissionerHome({ store, route }: { store: Store; route?: string }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  return (
    <>
      <nav className="home-links">
        <a className="button big" href="#/activities">
          わたしの活動を記録（定例会・研修など）
        </a>
        <a className="button big" href="#/reports">
          活動記録（月）
        </a>
        <a className="button big" href="#/new">
          新しく見守る方を登録
        </a>
      </nav>
      {route === "registered" && (
        <p className="saved" role="status" data-testid="registered">
          登録しました。地区のリーダーが承認するまで「承認待ち」と表示されます。
        </p>
      )}
      <Tasks store={store} />
      <MyResidents entries={s.docs} me={s.me?.id ?? ""} leads={s.me?.district_leads} />
      {(s.me?.disasters ?? []).length === 0 && <DisasterStart />}
    </>
  )
}

/** 安否確認 without waiting for the city: when the earthquake or the blizzard comes, the network is
 * the first thing to go, and the declaration may never reach this tablet in time. */
export function DisasterStart() {
  return (
    <section className="disaster-start" data-testid="disaster-start">
      <h2>災害が起きたとき</h2>
      <p className="hint">
        市の災害モードが届く前でも、ご自身と担当の方の安否をこのタブレットに記録できます。電波のある所で市に届き、市が災害モードを始めるとその安否確認に入ります。
      </p>
      <a className="button big" href={`#/disaster/${LOCAL}`}>
        安否確認を始める
      </a>
    </section>
  )
}
