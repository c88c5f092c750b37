// 災害モード in words: the kinds of disaster as the server names them (domain::disaster), and the
// band every screen shows while a declared disaster covers the caller's district.
import type { DisasterKind, DisasterOut } from "./api"

export const DISASTER_KINDS: { value: DisasterKind; label: string }[] = [
  { value: "earthquake", label: "地震" },
  { value: "flood", label: "水害" },
  { value: "blizzard", label: "大雪・暴風雪" },
  { value: "power_cut", label: "停電" },
  { value: "other", label: "その他の災害" },
]

/** `12月3日 6:00` in Japan time. */
export function jstWords(ms: number): string {
  const d = new Date(ms + 9 * 3600_000)
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${d.getUTCHours()}:${String(d.getUTCMinutes()).padStart(2, "0")}`
}

/** The band's words for one disaster: 「【訓練】災害モード：大雪・暴風雪（12月3日 6:00から）」. */
export function bandWords(d: Pick<DisasterOut, "title" | "occurred_at" | "drill">): string {
  return `${d.drill ? "【訓練】" : ""}災害モード：${d.title}（${jstWords(d.occurred_at)}から）`
}

/** A `datetime-local` value (Japan time) as ms; undefined when empty or not a time. */
export function jstInputMs(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return undefined
  const ms = Date.parse(`${value}:00+09:00`)
  return Number.isNaN(ms) ? undefined : ms
}

/** Now as a `datetime-local` value in Japan time. */
export function jstInputNow(now = Date.now()): string {
  return new Date(now + 9 * 3600_000).toISOString().slice(0, 16)
}
