// What a push message shows and where its notification leads (the service worker's part, kept
// here so it can be tested). A push carries ids, a fixed title and a priority, never resident data:
//   a notice from the city: {notice, title, priority} → the notice
//   an alert for the district lead: {alert, title, priority} → that alert, with its actions

export interface PushPayload {
  notice?: string
  alert?: string
  title?: string
  priority?: string
}

export interface Shown {
  title: string
  body: string
  /** Where a tap on the notification goes (same origin). */
  url: string
  tag: string
  requireInteraction: boolean
}

const PREFIX: Record<string, string> = { urgent: "【緊急】", important: "【重要】" }

export const ALERT_BODY = "地区の対象者について見守りの注意があります。タップして確認してください。"
export const NOTICE_BODY = "市からのお知らせです。タップして開いてください。"

export function shownFor(p: PushPayload): Shown {
  const prefix = PREFIX[p.priority ?? ""] ?? ""
  if (p.alert) {
    return {
      title: `${prefix}${p.title ?? "見守りの注意"}`,
      body: ALERT_BODY,
      url: `/#/alerts/${encodeURIComponent(p.alert)}`,
      tag: `alert-${p.alert}`,
      requireInteraction: true, // an alert waits for the lead, whatever its priority
    }
  }
  return {
    title: `${prefix}${p.title ?? "お知らせ"}`,
    body: NOTICE_BODY,
    url: p.notice ? `/#/notices/${encodeURIComponent(p.notice)}` : "/#/notices",
    tag: p.notice ?? "mimamori",
    requireInteraction: p.priority === "urgent",
  }
}
