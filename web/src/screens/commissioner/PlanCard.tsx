// 個別避難計画 on the resident's page (and, in 災害モード, on the 安否 screen): consent, what is
// needed, who helps (their phone a tap away), where to go and how, and when it was last confirmed;
// 「計画を作る」 / 「計画を直す」. Nothing of it leaves the document but the consent and its days.
import type { DocEntry } from "../../store"
import { CONSENTS, DESTINATIONS, NEEDS, RELATIONS, currentPlan, label, lastConfirmed } from "../../evacuation"

export function PlanCard({ entry, editable = true }: { entry: DocEntry; editable?: boolean }) {
  const current = currentPlan(entry.doc)
  const link = `#/r/${encodeURIComponent(entry.residentId)}/plan`
  if (!current) {
    return (
      <div className="plan-card none" data-testid="plan-card">
        <h2>個別避難計画</h2>
        <p className="hint">まだありません。</p>
        {editable && (
          <a className="button" href={link}>
            計画を作る
          </a>
        )}
      </div>
    )
  }
  const { plan, concurrent } = current
  return (
    <div className="plan-card" data-testid="plan-card">
      <h2>個別避難計画</h2>
      {concurrent && <p className="warn">別の端末でも同時に直されています（新しい方を表示しています）。</p>}
      <dl className="profile">
        <dt>同意</dt>
        <dd data-testid="plan-consent">
          {label(CONSENTS, plan.consent)}
          {plan.consentOn && `（${plan.consentOn}）`}
        </dd>
        <dt>必要な支援</dt>
        <dd data-testid="plan-needs">{plan.needs.map(n => label(NEEDS, n)).join("、") || "—"}</dd>
        <dt>避難を助ける人</dt>
        <dd>
          {plan.helpers.length === 0
            ? "—"
            : plan.helpers.map((h, i) => (
                <span key={i} className="helper">
                  {h.name}（{label(RELATIONS, h.relation)}）{h.phone && <a href={`tel:${h.phone}`}>{h.phone}</a>}
                </span>
              ))}
        </dd>
        <dt>避難先</dt>
        <dd>
          {label(DESTINATIONS, plan.destination.kind)}
          {plan.destination.name && `：${plan.destination.name}`}
        </dd>
        {plan.howToReach && (
          <>
            <dt>行き方・声のかけ方</dt>
            <dd>{plan.howToReach}</dd>
          </>
        )}
        {plan.medicalNote && (
          <>
            <dt>医療のこと</dt>
            <dd>{plan.medicalNote}</dd>
          </>
        )}
        <dt>最後の確認</dt>
        <dd data-testid="plan-confirmed">{lastConfirmed(entry.doc as never, plan)}</dd>
      </dl>
      {editable && (
        <a className="button" href={link}>
          計画を直す
        </a>
      )}
    </div>
  )
}
