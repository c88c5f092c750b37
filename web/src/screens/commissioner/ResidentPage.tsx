// 対象者: one resident's page — the つなぎ (referrals: common/Referrals.tsx), 基本情報 (editable:
// ProfileForm.tsx) and the records, newest first (Timeline.tsx); after a record or a referral is saved
// (`#/r/ID/saved`, `#/r/ID/referral/saved`) it says so on top.
import { useState, useSyncExternalStore } from "react"
import type { DocEntry, Store } from "../../store"
import { PROFILE_FIELDS, str } from "../../schema"
import { ProfileForm } from "./ProfileForm"
import { Timeline } from "./Timeline"
import { HandoverNote } from "./HandoverNote"
import { Referrals } from "../common/Referrals"
import { PlanCard } from "./PlanCard"

export function ResidentPage({ store, entry, saved }: { store: Store; entry: DocEntry; saved?: boolean }) {
  const [editing, setEditing] = useState(false)
  const me = useSyncExternalStore(store.subscribe, store.get).me
  const doc = entry.doc
  if (!doc) return <p className="hint">読み込み中…</p>
  const p = doc.profile
  return (
    <section>
      {saved && (
        <p className="saved" role="status" data-testid="saved">
          保存しました。{entry.pendingContacts.length > 0 || entry.pendingEdit ? "電波のよい所で市役所に送られます。" : ""}
        </p>
      )}
      <h1 data-testid="resident-name">{str(p?.name)}</h1>
      <p className="kana">{str(p?.kana)}</p>
      <a className="button primary big" href={`#/r/${encodeURIComponent(entry.residentId)}/record`}>
        記録する
      </a>
      <HandoverNote store={store} entry={entry} me={me?.id ?? ""} />
      <Referrals store={store} entry={entry} />
      <PlanCard entry={entry} />
      <h2>基本情報</h2>
      {editing ? (
        <ProfileForm store={store} entry={entry} done={() => setEditing(false)} />
      ) : (
        <>
          <dl className="profile">
            {PROFILE_FIELDS.map(([k, l]) => (
              <div key={k}>
                <dt>{l}</dt>
                <dd data-testid={`profile-${k}`}>{str(p?.[k]) || "—"}</dd>
              </div>
            ))}
          </dl>
          <button type="button" onClick={() => setEditing(true)}>
            基本情報を直す
          </button>
        </>
      )}
      <h2>記録（新しい順）</h2>
      <Timeline entry={entry} store={store} />
    </section>
  )
}
