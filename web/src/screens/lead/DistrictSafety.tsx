// 災害モード, the district lead's roll-up (#/disaster/:id/district): the district's counts, then each
// commissioner — their own status, how many of their residents are reported, and each resident's
// latest 安否 (支援が必要 and 未報告 first) — with 「代わりに確認する」 for one who has not reported
// (the lead's tablet already holds every resident of the district); residents nobody watches last.
// Asked again every 10 seconds and at a push.
import { useCallback, useEffect, useState } from "react"
import { disasterApi, messageOf, type DistrictSafety as Rollup } from "../../api"
import { bandWords, safetyWords } from "../../disaster"
import { ErrorLine } from "../../ui"

const REFRESH_MS = 10_000

export function DistrictSafety({ id, me }: { id: string; me: string }) {
  const [r, setR] = useState<Rollup>()
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const load = useCallback(() => {
    disasterApi.district(id).then(
      x => {
        setR(x)
        setError(undefined)
      },
      e => setError(messageOf(e)),
    )
  }, [id])
  useEffect(() => {
    load()
    const t = setInterval(load, REFRESH_MS)
    const onPush = (e: MessageEvent) => {
      if (e.data?.type === "push") load()
    }
    navigator.serviceWorker?.addEventListener("message", onPush)
    return () => {
      clearInterval(t)
      navigator.serviceWorker?.removeEventListener("message", onPush)
    }
  }, [load])

  async function act(commissioner: string, take: boolean) {
    setBusy(true)
    try {
      await (take ? disasterApi.takeOver(id, commissioner) : disasterApi.release(id, commissioner))
      load()
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setBusy(false)
    }
  }

  if (!r) return <ErrorLine text={error} />
  const c = r.counts
  return (
    <section className="district-safety">
      <h1>安否の状況</h1>
      <p className="hint">
        {bandWords(r.disaster)}　<a href={`#/evacuation/${encodeURIComponent(r.district_id)}`}>紙の一覧を印刷する</a>
      </p>
      <ErrorLine text={error} />
      <p className="safety-summary" data-testid="safety-summary">
        対象者{c.residents}人：無事{c.safe}・避難済み{c.evacuated}・<strong>支援が必要{c.needs_help}</strong>・不在・不明{c.unknown}・未報告
        {c.not_reported}。委員の本人報告：無事{c.self_safe}・支援が必要{c.self_needs_help}・未報告{c.self_not_reported}。
      </p>
      {r.commissioners.map(k => (
        <article key={k.id} className="commissioner-safety" data-testid="commissioner-safety" data-commissioner={k.id}>
          <h2>
            {k.name}　<span className={`self ${k.self_status ?? "none"}`}>本人：{k.self_status === "safe" ? "無事" : k.self_status === "needs_help" ? "支援が必要" : "未報告"}</span>
            　報告 {k.reported}/{k.residents.length}人
          </h2>
          {k.taken_over_by ? (
            <p>
              <span className="badge warn">{k.taken_over_by === me ? "あなたが代わりに確認中" : "代わりに確認中"}</span>
              {k.taken_over_by === me && (
                <button type="button" disabled={busy} onClick={() => void act(k.id, false)}>
                  代わりの確認をやめる
                </button>
              )}
            </p>
          ) : (
            k.reported < k.residents.length && (
              <button type="button" className="primary" disabled={busy} onClick={() => void act(k.id, true)}>
                代わりに確認する
              </button>
            )
          )}
          <ul className="safety-list">
            {k.residents.map(x => (
              <li key={x.resident_id} className={`safety ${x.status ?? "none"}`}>
                <a href={`#/r/${encodeURIComponent(x.resident_id)}`}>{x.name}</a>：{safetyWords(x.status)}
              </li>
            ))}
          </ul>
        </article>
      ))}
      {r.uncovered.length > 0 && (
        <article className="commissioner-safety">
          <h2>担当のいない方（会長が確認）</h2>
          <ul className="safety-list">
            {r.uncovered.map(x => (
              <li key={x.resident_id} className={`safety ${x.status ?? "none"}`}>
                <a href={`#/r/${encodeURIComponent(x.resident_id)}`}>{x.name}</a>：{safetyWords(x.status)}
              </li>
            ))}
          </ul>
        </article>
      )}
    </section>
  )
}
