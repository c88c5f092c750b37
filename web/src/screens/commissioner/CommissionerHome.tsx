// A commissioner's home (#/): the links to わたしの活動 and the month's 活動記録, the lead's requests
// waiting for an answer (Tasks), and わたしの見守り.
import { useSyncExternalStore } from "react"
import type { Store } from "../../store"
import { MyResidents } from "./MyResidents"
import { Tasks } from "./Tasks"

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
    </>
  )
}
