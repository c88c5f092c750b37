// 災害モード at the office: declare a disaster for the whole city or chosen districts (kind, when it
// happened, 訓練), which sends an urgent お知らせ and a push to every commissioner and lead there and
// puts their tablets in 災害モード; list the disasters; end one (a notice says so; the records made
// stay). City staff and the administrator.
import { useCallback, useEffect, useState } from "react"
import { api, disasterApi, messageOf, type DisasterKind, type DisasterOut } from "../../api"
import { DISASTER_KINDS, bandWords, jstInputMs, jstInputNow, jstWords } from "../../disaster"
import { ErrorLine, Field } from "../../ui"
import { DisasterCounts } from "./DisasterCounts"

export function Disasters() {
  const [list, setList] = useState<DisasterOut[]>()
  const [districts, setDistricts] = useState<{ id: string; name: string }[]>([])
  const [kind, setKind] = useState<DisasterKind>("blizzard")
  const [title, setTitle] = useState("")
  const [cityWide, setCityWide] = useState(true)
  const [chosen, setChosen] = useState<string[]>([])
  const [occurred, setOccurred] = useState(jstInputNow())
  const [drill, setDrill] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<string>()

  const load = useCallback(() => {
    disasterApi.list().then(setList, e => setError(messageOf(e)))
  }, [])
  useEffect(() => {
    load()
    api.districts().then(setDistricts, e => setError(messageOf(e)))
  }, [load])
  const name = (id: string) => districts.find(d => d.id === id)?.name ?? id

  async function declare() {
    const where = cityWide ? "市内全域" : chosen.map(name).join("・")
    if (!cityWide && chosen.length === 0) return setError("地区を選ぶか「市内全域」にしてください。")
    const words = `${drill ? "【訓練】" : ""}${DISASTER_KINDS.find(k => k.value === kind)?.label}`
    if (!window.confirm(`${where}を災害モード（${words}）にします。民生委員と会長の全員に緊急のお知らせが届きます。よろしいですか。`)) return
    setBusy(true)
    setError(undefined)
    try {
      const d = await disasterApi.declare({
        kind,
        title: title.trim() || undefined,
        city_wide: cityWide,
        districts: cityWide ? [] : chosen,
        occurred_at: jstInputMs(occurred),
        drill,
      })
      setDone(`災害モードにしました：${bandWords(d)}`)
      load()
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setBusy(false)
    }
  }

  async function end(d: DisasterOut) {
    if (!window.confirm(`「${d.title}」の災害モードを終わります。タブレットはいつもの画面に戻ります（記録は残ります）。よろしいですか。`)) return
    setBusy(true)
    setError(undefined)
    try {
      await disasterApi.end(d.id)
      setDone(`災害モードを終わりました：${d.title}`)
      load()
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setBusy(false)
    }
  }

  const active = (list ?? []).filter(d => d.ended_at === null)
  const past = (list ?? []).filter(d => d.ended_at !== null)
  return (
    <section className="disasters">
      <h1>災害モード</h1>
      <ErrorLine text={error} />
      {done && (
        <p className="saved" role="status" data-testid="disaster-done">
          {done}
        </p>
      )}
      <h2>いまの災害モード</h2>
      {!list ? (
        <p className="hint">読み込み中…</p>
      ) : active.length === 0 ? (
        <p className="hint">いまは災害モードではありません。</p>
      ) : (
        <ul className="disaster-list" data-testid="active-disasters">
          {active.map(d => (
            <li key={d.id} data-testid="disaster">
              <span className="band-words">{bandWords(d)}</span> {d.city_wide ? "市内全域" : d.districts.map(name).join("・")}
              <button type="button" className="danger-outline" disabled={busy} onClick={() => void end(d)}>
                災害モードを終わる
              </button>
              <DisasterCounts id={d.id} />
              <p className="hint">
                紙の一覧：
                {d.districts.map(x => (
                  <a key={x} href={`#/evacuation/${encodeURIComponent(x)}`}>
                    {name(x)}
                  </a>
                ))}
              </p>
            </li>
          ))}
        </ul>
      )}

      <h2>災害モードにする</h2>
      <p className="hint">
        対象の地区の民生委員と会長の全員に、緊急のお知らせとプッシュ通知が届き、タブレットが災害モードになります。電波がなくても、届いたあとは災害モードのままです。
      </p>
      <div className="disaster-form">
        <Field label="災害の種類">
          <select name="kind" value={kind} onChange={e => setKind(e.target.value as DisasterKind)}>
            {DISASTER_KINDS.map(k => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="名前（空欄なら種類の名前。例：12月3日の暴風雪）">
          <input name="title" value={title} maxLength={100} onChange={e => setTitle(e.target.value)} />
        </Field>
        <Field label="発生した時刻">
          <input type="datetime-local" name="occurred_at" value={occurred} onChange={e => setOccurred(e.target.value)} />
        </Field>
        <fieldset className="field">
          <legend className="label">対象</legend>
          <label className="check">
            <input type="checkbox" name="city_wide" checked={cityWide} onChange={e => setCityWide(e.target.checked)} />
            市内全域
          </label>
          {!cityWide &&
            districts.map(d => (
              <label key={d.id} className="check">
                <input
                  type="checkbox"
                  name="district"
                  value={d.id}
                  checked={chosen.includes(d.id)}
                  onChange={e => setChosen(e.target.checked ? [...chosen, d.id] : chosen.filter(x => x !== d.id))}
                />
                {d.name}
              </label>
            ))}
        </fieldset>
        <label className="check">
          <input type="checkbox" name="drill" checked={drill} onChange={e => setDrill(e.target.checked)} />
          訓練として（集計は本番と分けます）
        </label>
        <div className="actions">
          <button type="button" className="danger" disabled={busy} onClick={() => void declare()}>
            災害モードにする
          </button>
        </div>
      </div>

      {past.length > 0 && (
        <>
          <h2>これまでの災害モード</h2>
          <ul className="disaster-list" data-testid="past-disasters">
            {past.map(d => (
              <li key={d.id}>
                {bandWords(d)}　{d.ended_at ? `${jstWords(d.ended_at)}に終了` : ""}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}
