// お知らせの送信: the city office's compose / send / withdraw / tracking (既読の状況) screen, on the
// office home. The inbox every tablet reads is common/Notices.tsx.
import { useEffect, useState } from "react"
import { ErrorLine, Field } from "../../ui"
import { formatMs } from "../../schema"
import { api, messageOf, ApiError, type NoticeIn, type SentNotice, type Tracking } from "../../api"
import { PRIORITIES, priorityLabel } from "../common/Notices"

const EMPTY: NoticeIn = {
  title: "",
  body: "",
  priority: "normal",
  audience: "all",
  districts: [],
  role: null,
  expires_on: null,
}

export function StaffNotices() {
  const [list, setList] = useState<SentNotice[]>([])
  const [editing, setEditing] = useState<{ id?: string; value: NoticeIn }>()
  const [tracking, setTracking] = useState<Tracking>()
  const [error, setError] = useState<string>()
  const reload = () =>
    api
      .staffNotices()
      .then(setList)
      .catch(e => setError(messageOf(e)))
  useEffect(() => void reload(), [])
  async function act(f: () => Promise<unknown>) {
    try {
      await f()
      setError(undefined)
      await reload()
    } catch (e) {
      setError(messageOf(e))
    }
  }
  if (editing)
    return (
      <Compose
        initial={editing.value}
        onCancel={() => setEditing(undefined)}
        onSave={async v => {
          if (editing.id) await api.updateNotice(editing.id, v)
          else await api.createNotice(v)
          setEditing(undefined)
          await reload()
        }}
      />
    )
  if (tracking) return <TrackingView t={tracking} back={() => setTracking(undefined)} />
  return (
    <section>
      <h1>お知らせの送信（福祉保険課）</h1>
      <button className="primary" type="button" onClick={() => setEditing({ value: EMPTY })}>
        新しいお知らせを書く
      </button>
      <ErrorLine text={error} />
      <table className="staff-notices">
        <thead>
          <tr>
            <th>件名</th>
            <th>重要度</th>
            <th>状態</th>
            <th>操作</th>
          </tr>
        </thead>
        <tbody>
          {list.map(n => (
            <tr key={n.id} data-testid="staff-notice">
              <td>{n.title}</td>
              <td>{priorityLabel(n.priority)}</td>
              <td>
                {n.status === "draft" ? "下書き" : n.status === "sent" ? `送信済み ${formatMs(n.sent_at)}` : "取り消し済み"}
              </td>
              <td className="actions">
                {n.status === "draft" && (
                  <>
                    <button type="button" onClick={() => setEditing({ id: n.id, value: { ...EMPTY, ...n, expires_on: null } })}>
                      直す
                    </button>
                    <button className="primary" type="button" onClick={() => void act(() => api.sendNotice(n.id))}>
                      送信する
                    </button>
                  </>
                )}
                {n.status === "sent" && (
                  <>
                    <button type="button" onClick={() => void act(async () => setTracking(await api.tracking(n.id)))}>
                      既読の状況
                    </button>
                    <button type="button" onClick={() => void act(() => api.withdrawNotice(n.id))}>
                      取り消す
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function Compose({ initial, onSave, onCancel }: { initial: NoticeIn; onSave: (v: NoticeIn) => Promise<void>; onCancel: () => void }) {
  const [v, setV] = useState(initial)
  const [districts, setDistricts] = useState<{ id: string; name: string }[]>([])
  const [error, setError] = useState<{ field?: string; message: string }>()
  useEffect(() => {
    api.districts().then(setDistricts, () => {})
  }, [])
  const err = (f: string) => (error?.field === f ? error.message : undefined)
  async function submit(e: React.FormEvent) {
    e.preventDefault()
    try {
      await onSave(v)
    } catch (x) {
      setError({ field: x instanceof ApiError ? x.field : undefined, message: messageOf(x) })
    }
  }
  return (
    <section>
      <h1>お知らせを書く</h1>
      <form onSubmit={submit} noValidate>
        <Field label="件名" error={err("title")}>
          <input name="title" value={v.title} onChange={e => setV({ ...v, title: e.target.value })} />
        </Field>
        <Field label="本文（改行とURLはそのまま届きます）" error={err("body")}>
          <textarea name="body" rows={8} value={v.body} onChange={e => setV({ ...v, body: e.target.value })} />
        </Field>
        <fieldset className="group">
          <legend>重要度</legend>
          {PRIORITIES.map(([k, l]) => (
            <label key={k} className="radio">
              <input type="radio" name="priority" checked={v.priority === k} onChange={() => setV({ ...v, priority: k })} />
              {l}
              {k === "urgent" && "（避難所開設など災害時）"}
            </label>
          ))}
        </fieldset>
        <fieldset className="group">
          <legend>送り先</legend>
          <label className="radio">
            <input type="radio" name="audience" checked={v.audience === "all"} onChange={() => setV({ ...v, audience: "all" })} />
            全員
          </label>
          <label className="radio">
            <input type="radio" name="audience" checked={v.audience === "districts"} onChange={() => setV({ ...v, audience: "districts" })} />
            地区を選ぶ
          </label>
          {v.audience === "districts" &&
            districts.map(d => (
              <label key={d.id} className="check">
                <input
                  type="checkbox"
                  checked={v.districts.includes(d.id)}
                  onChange={e =>
                    setV({ ...v, districts: e.target.checked ? [...v.districts, d.id] : v.districts.filter(x => x !== d.id) })
                  }
                />
                {d.name}
              </label>
            ))}
          <label className="radio">
            <input type="radio" name="audience" checked={v.audience === "role"} onChange={() => setV({ ...v, audience: "role", role: v.role ?? "district_lead" })} />
            役割を選ぶ
          </label>
          {v.audience === "role" && (
            <select name="role" value={v.role ?? "district_lead"} onChange={e => setV({ ...v, role: e.target.value })}>
              <option value="district_lead">地区の会長</option>
              <option value="commissioner">委員</option>
            </select>
          )}
          {(err("districts") || err("role") || err("audience")) && (
            <span className="error" role="alert">
              {err("districts") ?? err("role") ?? err("audience")}
            </span>
          )}
        </fieldset>
        <Field label="掲載期限（なければ空欄）" error={err("expires_on")}>
          <input name="expires_on" type="date" value={v.expires_on ?? ""} onChange={e => setV({ ...v, expires_on: e.target.value || null })} />
        </Field>
        <ErrorLine text={error && !["title", "body", "districts", "role", "audience", "expires_on"].includes(error.field ?? "") ? error.message : undefined} />
        <div className="actions">
          <button className="primary" type="submit">
            下書きを保存
          </button>
          <button type="button" onClick={onCancel}>
            やめる
          </button>
        </div>
      </form>
    </section>
  )
}

function TrackingView({ t, back }: { t: Tracking; back: () => void }) {
  return (
    <section>
      <h1>既読の状況: {t.notice.title}</h1>
      <p data-testid="tracking-totals">
        送り先 {t.recipients}人・届いた {t.delivered}人・既読 {t.read}人
      </p>
      {t.districts.map(d => (
        <div key={d.district} className="group">
          <h2>
            {d.district}（既読 {d.read} / {d.recipients}人）
          </h2>
          {d.unread.length > 0 ? (
            <p>まだ読んでいない方: {d.unread.map(p => p.name).join("、")}</p>
          ) : (
            <p>全員が読みました。</p>
          )}
        </div>
      ))}
      <button type="button" onClick={back}>
        一覧へ戻る
      </button>
    </section>
  )
}
