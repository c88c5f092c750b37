// タブレットの管理: the administrator's view of the loaned tablets: last check-in, app version, revoked / wiped.
// Revoking a lost tablet makes it erase itself at its next contact. タブレットをまとめて登録する issues
// enrolment codes for N tablets (one request each, in turn) and opens the A4 sheet to print them on
// (EnrolmentSheet); the codes are kept in this screen's memory only.
import { useEffect, useRef, useState } from "react"
import { adminApi, api, messageOf, type DeviceOut } from "../../api"
import { BULK_MAX, PREFIX_MAX, bulkProblem, issueInSequence, type BulkResult } from "../../bulk-devices"
import { ErrorLine, Field } from "../../ui"
import { formatMs } from "../../schema"
import { EnrolmentSheet } from "./EnrolmentSheet"

const STATE: Record<string, string> = {
  awaiting_enrolment: "登録待ち",
  enrolled: "使用中",
  revoked: "利用停止（消去待ち）",
  wiped: "利用停止・消去済み",
}

export function Devices() {
  const [list, setList] = useState<DeviceOut[]>()
  const [error, setError] = useState<string>()
  // The codes just issued, for the sheet: in memory only, gone when the sheet closes or the screen does.
  const [sheet, setSheet] = useState<BulkResult>()
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
  if (sheet) return <EnrolmentSheet result={sheet} onClose={() => setSheet(undefined)} />
  return (
    <section>
      <h1>タブレットの管理</h1>
      <ErrorLine text={error} />
      <BulkIssue
        done={result => {
          void reload()
          if (result.issued.length) setSheet(result)
        }}
      />
      <h2>貸し出しているタブレット</h2>
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
              <td>
                {d.app_version ?? "—"}
                {d.update_required && (
                  <span className="badge warn" data-testid="update-required">
                    更新が必要
                  </span>
                )}
              </td>
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

/** タブレットをまとめて登録する: how many, and the words each tablet's name starts with. */
function BulkIssue({ done }: { done: (result: BulkResult) => void }) {
  const [count, setCount] = useState("")
  const [prefix, setPrefix] = useState("")
  const [problem, setProblem] = useState<ReturnType<typeof bulkProblem>>()
  const [progress, setProgress] = useState<{ done: number; total: number }>()
  const [failed, setFailed] = useState<string>()
  // Leaving the screen midway stops the issue: codes nobody will see are not issued.
  const gone = useRef(false)
  useEffect(() => {
    gone.current = false
    return () => {
      gone.current = true
    }
  }, [])
  const issue = (label: string) =>
    gone.current ? Promise.reject(new Error("left the screen")) : adminApi.issueDevice(label)

  async function submit(e: React.FormEvent) {
    e.preventDefault()
    const p = bulkProblem(count, prefix)
    setProblem(p)
    setFailed(undefined)
    if (p) return
    const total = Number(count)
    setProgress({ done: 0, total })
    const result = await issueInSequence(total, prefix, issue, n => setProgress({ done: n, total }), messageOf)
    setProgress(undefined)
    // Nothing issued: the reason stays here (with something issued, the sheet says it).
    if (result.failed && !result.issued.length)
      setFailed(`${result.failed.number}台目（${result.failed.label}）の登録コードを発行できませんでした：${result.failed.message}`)
    done(result)
  }

  return (
    <form className="bulk-issue" onSubmit={submit} noValidate aria-labelledby="bulk-issue-title">
      <h2 id="bulk-issue-title">タブレットをまとめて登録する</h2>
      <p className="hint">
        研修などで何台も配るときに。台数分の登録コードを発行し、A4の用紙（1枚に12台分、QRコードつき）に印刷します。
        名前は「頭につける言葉」に番号をつけたものになります（例: 神楽岡 研修用 01）。
      </p>
      <Field label={`台数（1〜${BULK_MAX}）`} error={problem?.field === "count" ? problem.message : undefined}>
        <input
          name="count"
          type="number"
          inputMode="numeric"
          min={1}
          max={BULK_MAX}
          value={count}
          disabled={!!progress}
          onChange={e => setCount(e.target.value)}
        />
      </Field>
      <Field label="名前の頭につける言葉（例: 神楽岡 研修用）" error={problem?.field === "prefix" ? problem.message : undefined}>
        <input name="prefix" maxLength={PREFIX_MAX} value={prefix} disabled={!!progress} onChange={e => setPrefix(e.target.value)} />
      </Field>
      <button type="submit" className="primary" disabled={!!progress}>
        まとめて登録する
      </button>
      {progress && (
        <p role="status" data-testid="bulk-progress">
          <progress value={progress.done} max={progress.total} aria-label="登録コードの発行" /> {progress.total}台のうち
          {progress.done}台の登録コードを発行しました…
        </p>
      )}
      <ErrorLine text={failed} />
    </form>
  )
}
