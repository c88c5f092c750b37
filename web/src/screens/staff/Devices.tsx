// タブレットの管理: the administrator's view of the loaned tablets: last check-in, app version, revoked / wiped.
// Revoking a lost tablet makes it erase itself at its next contact.
import { useEffect, useState } from "react"
import { api, messageOf, type DeviceOut } from "../../api"
import { ErrorLine } from "../../ui"
import { formatMs } from "../../schema"

const STATE: Record<string, string> = {
  awaiting_enrolment: "登録待ち",
  enrolled: "使用中",
  revoked: "利用停止（消去待ち）",
  wiped: "利用停止・消去済み",
}

export function Devices() {
  const [list, setList] = useState<DeviceOut[]>()
  const [error, setError] = useState<string>()
  const reload = () =>
    api
      .devices()
      .then(setList)
      .catch(e => setError(messageOf(e)))
  useEffect(() => void reload(), [])
  async function revoke(d: DeviceOut) {
    if (!window.confirm(`「${d.label}」を利用停止にします。このタブレットは次に市役所とつながったとき、記録を消去します。よろしいですか。`)) return
    try {
      await api.revokeDevice(d.id)
      await reload()
    } catch (e) {
      setError(messageOf(e))
    }
  }
  return (
    <section>
      <h1>タブレットの管理</h1>
      <ErrorLine text={error} />
      <table className="staff-notices">
        <thead>
          <tr>
            <th>タブレット</th>
            <th>状態</th>
            <th>最後につながった時刻</th>
            <th>アプリ版</th>
            <th>消去の確認</th>
            {/* A header for the buttons' column too: an empty one says nothing to a screen reader. */}
            <th>操作</th>
          </tr>
        </thead>
        <tbody>
          {(list ?? []).map(d => (
            <tr key={d.id} data-testid="device">
              <td>{d.label}</td>
              <td>{STATE[d.state] ?? d.state}</td>
              <td>{formatMs(d.last_seen_at, "—")}</td>
              <td>{d.app_version ?? "—"}</td>
              <td>{formatMs(d.wiped_at, "—")}</td>
              <td>
                {(d.state === "enrolled" || d.state === "awaiting_enrolment") && (
                  <button type="button" onClick={() => void revoke(d)}>
                    利用停止
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
