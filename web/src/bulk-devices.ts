// タブレットをまとめて登録する: N enrolment codes issued one after another (POST /api/admin/devices, one
// per tablet), and the A4 sheet they are printed on (12 cards a page). The codes live in the screen's
// memory only: nothing here stores them.
import type { DeviceIssued } from "./api"

/** The most tablets issued in one go (a training session of a whole city's new commissioners). */
export const BULK_MAX = 120
/** Cards on one A4 page: 3 across, 4 down. */
export const CARDS_PER_PAGE = 12
/** The longest label prefix: the server takes labels of up to 100 characters, and the number follows. */
export const PREFIX_MAX = 90

/** The label of the `i`-th tablet (from 1) of `n`: 「神楽岡 研修用 01」 (numbers as wide as `n`, at least 2 digits). */
export function bulkLabel(prefix: string, i: number, n: number): string {
  return `${prefix.trim()} ${String(i).padStart(Math.max(2, String(n).length), "0")}`
}

/** What is wrong with the form (count, prefix), in words; undefined when it can be sent. */
export function bulkProblem(count: string, prefix: string): { field: "count" | "prefix"; message: string } | undefined {
  const n = Number(count)
  if (!/^\d+$/.test(count.trim()) || !Number.isInteger(n) || n < 1 || n > BULK_MAX)
    return { field: "count", message: `台数は1から${BULK_MAX}までの数で入れてください。` }
  if (!prefix.trim()) return { field: "prefix", message: "名前の頭につける言葉を入れてください（例: 神楽岡 研修用）。" }
  if ([...prefix.trim()].length > PREFIX_MAX) return { field: "prefix", message: `名前の頭につける言葉は${PREFIX_MAX}文字までです。` }
  return undefined
}

/** How a bulk issue ended: the codes issued (in order), and the number that failed and why, if one did. */
export interface BulkResult {
  issued: DeviceIssued[]
  failed?: { number: number; label: string; message: string }
}

/**
 * Issues `n` codes one after another with `issue(label)` (the server's endpoint), calling `progress`
 * after each; at the first error it stops, keeping what was issued, and says which number failed.
 */
export async function issueInSequence(
  n: number,
  prefix: string,
  issue: (label: string) => Promise<DeviceIssued>,
  progress: (done: number) => void,
  messageOf: (e: unknown) => string,
): Promise<BulkResult> {
  const issued: DeviceIssued[] = []
  for (let i = 1; i <= n; i++) {
    const label = bulkLabel(prefix, i, n)
    try {
      issued.push(await issue(label))
    } catch (e) {
      return { issued, failed: { number: i, label, message: messageOf(e) } }
    }
    progress(i)
  }
  return { issued }
}

/** The cards page by page: 12 to an A4 page, the last page with the rest. */
export function sheetPages<T>(cards: T[], perPage = CARDS_PER_PAGE): T[][] {
  const pages: T[][] = []
  for (let i = 0; i < cards.length; i += perPage) pages.push(cards.slice(i, i + perPage))
  return pages
}
