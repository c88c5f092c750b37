// The bar under the status bar when a new version of the app is ready (or the server asks for one):
// plain words, that the records stay, and 「いま新しい版にする」. On a screen where something is
// being written it waits (the page never reloads over a form) and says so.
import { useState } from "react"
import type { Store } from "../../store"

export function UpdateBar({ store, ready, required }: { store: Store; ready: boolean; required: boolean }) {
  const [waiting, setWaiting] = useState(false)
  if (!ready && !required) return null
  return (
    <div className="update-bar" role="status" data-testid="update-bar">
      {ready ? (
        <>
          <p>新しい版のアプリがあります。記録は消えません。</p>
          <button
            type="button"
            onClick={() => {
              void store.applyUpdate().then(done => setWaiting(!done))
            }}
          >
            いま新しい版にする
          </button>
          {waiting && <p>書きかけの記録を保存するか閉じてから、一覧の画面で新しい版になります。</p>}
        </>
      ) : (
        <p>新しい版のアプリが必要です。電波のある所で開くと新しい版になります。記録は消えず、そのまま送れます。</p>
      )}
    </div>
  )
}
