// すべての対象者 (#/residents): the lead's whole district as one list (the commissioner's list,
// commissioner/MyResidents.tsx), with the charts under it.
import { useSyncExternalStore } from "react"
import type { Store } from "../../store"
import { MyResidents } from "../commissioner/MyResidents"
import { Charts } from "../common/Charts"

export function AllResidents({ store }: { store: Store }) {
  const s = useSyncExternalStore(store.subscribe, store.get)
  return (
    <>
      <MyResidents entries={s.docs} me={s.me?.id ?? ""} leads={s.me?.district_leads} title="すべての対象者" />
      <Charts />
    </>
  )
}
