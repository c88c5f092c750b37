import { describe, expect, it } from "vitest"
import { ALERT_BODY, NOTICE_BODY, shownFor } from "./push-target"

describe("shownFor", () => {
  it("opens an alert's own screen and says it is about someone in the district", () => {
    const s = shownFor({ alert: "a-1", title: "見守りの注意：地区の対象者について確認をお願いします", priority: "urgent" })
    expect(s.url).toBe("/#/alerts/a-1")
    expect(s.body).toBe(ALERT_BODY)
    expect(s.body).not.toContain("市からのお知らせ")
    expect(s.title).toBe("【緊急】見守りの注意：地区の対象者について確認をお願いします")
    expect(s.requireInteraction).toBe(true)
    expect(s.tag).toBe("alert-a-1")
  })

  it("escapes the alert id into the URL", () => {
    expect(shownFor({ alert: "a/b#c" }).url).toBe("/#/alerts/a%2Fb%23c")
  })

  it("keeps notices as they were", () => {
    const s = shownFor({ notice: "n-1", title: "避難所開設", priority: "important" })
    expect(s).toMatchObject({ url: "/#/notices/n-1", body: NOTICE_BODY, title: "【重要】避難所開設", requireInteraction: false })
    expect(shownFor({}).url).toBe("/#/notices")
  })
})
