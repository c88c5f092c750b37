// 災害モード in words: the kinds of disaster as the server names them (domain::disaster), and the
// band every screen shows while a declared disaster covers the caller's district.
import type { DisasterKind, DisasterOut, SafetyCounts } from "./api"

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

export type SafetyStatus = "safe" | "evacuated" | "needs_help" | "unknown"

/** 安否 words, in the order the tablet offers them. */
export const SAFETY_STATUSES: { value: SafetyStatus; label: string }[] = [
  { value: "safe", label: "無事" },
  { value: "evacuated", label: "避難済み" },
  { value: "needs_help", label: "支援が必要" },
  { value: "unknown", label: "不在・不明" },
]

/** A 安否 status in words; 未報告 for none. */
export function safetyWords(status: string | null | undefined): string {
  return SAFETY_STATUSES.find(s => s.value === status)?.label ?? "未報告"
}

/** The counts' columns, in the CSV's order. */
export const COUNT_COLUMNS: [keyof SafetyCounts, string][] = [
  ["residents", "対象者"],
  ["reported", "報告あり"],
  ["safe", "無事"],
  ["evacuated", "避難済み"],
  ["needs_help", "支援が必要"],
  ["unknown", "不在・不明"],
  ["not_reported", "未報告"],
  ["self_safe", "委員 無事"],
  ["self_needs_help", "委員 支援が必要"],
  ["self_not_reported", "委員 未報告"],
  ["taken_over", "代行中"],
]
