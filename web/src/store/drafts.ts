// 書きかけの記録 and 書きかけの計画: half-written record and plan forms, per resident, in the encrypted
// store (see draft.ts).
// Owns no localStorage key; available once the PIN has opened the store.

import { Drafts, draftKey, planDraftKey, type PlanDraft, type RecordDraft } from "../draft"
import type { EncryptedStorage } from "../vault"
import type { StateCell } from "./state"

export class RecordDrafts {
  private drafts?: Drafts

  constructor(private cell: StateCell) {}

  /** The store is open: drafts can be read and kept. */
  open(storage: EncryptedStorage) {
    this.drafts = new Drafts(storage)
  }

  /** A draft being stored reaches the encrypted store (before the idle lock reloads the page). */
  flush(): Promise<void> {
    return this.drafts?.flush() ?? Promise.resolve()
  }

  private keyOf(residentId: string, key = draftKey) {
    const url = this.cell.get().docs.find(d => d.residentId === residentId)?.url
    return url ? key(url.slice("automerge:".length), residentId) : undefined
  }

  /** The resident's half-written 個別避難計画 kept on this tablet, if any. */
  async loadPlan(residentId: string): Promise<PlanDraft | undefined> {
    const key = this.keyOf(residentId, planDraftKey)
    return key && this.drafts ? this.drafts.loadPlan(key) : undefined
  }

  savePlan(residentId: string, draft: PlanDraft): Promise<void> {
    const key = this.keyOf(residentId, planDraftKey)
    return key && this.drafts ? this.drafts.putPlan(key, draft) : Promise.resolve()
  }

  /** The plan was saved, or the user threw the draft away. */
  discardPlan(residentId: string): Promise<void> {
    const key = this.keyOf(residentId, planDraftKey)
    return key && this.drafts ? this.drafts.remove(key) : Promise.resolve()
  }

  /** The resident's half-written record kept on this tablet, if any (the store must be open). */
  async load(residentId: string): Promise<RecordDraft | undefined> {
    const key = this.keyOf(residentId)
    return key && this.drafts ? this.drafts.load(key) : undefined
  }

  /** Keeps the form as it is now (a blank form keeps nothing). */
  save(residentId: string, draft: RecordDraft): Promise<void> {
    const key = this.keyOf(residentId)
    return key && this.drafts ? this.drafts.put(key, draft) : Promise.resolve()
  }

  /** The record was saved, or the user threw the draft away. */
  discard(residentId: string): Promise<void> {
    const key = this.keyOf(residentId)
    return key && this.drafts ? this.drafts.remove(key) : Promise.resolve()
  }
}
