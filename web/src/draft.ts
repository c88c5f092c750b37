// The record form's draft (書きかけの記録), and the 個別避難計画 form's (書きかけの計画): kept as
// they are typed, so that an idle lock, a reload, a crash or a dead battery never loses a
// half-written record or plan.
//
// A draft holds a resident's notes, so it is stored only in the encrypted store (EncryptedStorage:
// AES-GCM under the data key, never localStorage), under the resident's document id:
// [documentId, "draft", residentId]. automerge-repo only reads a document's "snapshot",
// "incremental" and "sync-state" ranges, so it never sees the draft; forgetting the document (an
// ended assignment) and erasing the tablet remove the draft with it.
import type { StorageAdapterInterface, StorageKey } from "@automerge/automerge-repo/slim"
import type { CheckName, CheckValue, Concern, Kind, Outcome } from "./schema"

export interface RecordDraft {
  v: 1
  /** When it was last changed (ms). */
  savedAt: number
  /** The date and time, only where the user changed it (untouched: the moment of saving). */
  when?: string
  kind?: Kind
  outcome?: Outcome
  checks: Partial<Record<CheckName, CheckValue>>
  concern: Concern
  /** 「相談・支援をした」 is open: only then are 分野 and 内容 asked (and the contact counted as one). */
  consulted: boolean
  fields: string[]
  contents: string[]
  note: string
  followUp: boolean
  /** The day chosen for the follow-up visit (`YYYY-MM-DD`). */
  followUpOn?: string
}

/** What a form opened before 「相談・支援をした」 existed preselected as 分野 (drafts kept since). */
const OLD_DEFAULT_FIELDS = ["高齢者"]

/** Nothing typed or chosen: not worth keeping (and nothing to say was restored). */
export function isBlank(d: Omit<RecordDraft, "v" | "savedAt">): boolean {
  return (
    d.when === undefined &&
    d.kind === undefined &&
    d.outcome === undefined &&
    Object.keys(d.checks).length === 0 &&
    d.concern === "none" &&
    !d.consulted &&
    d.fields.length === 0 &&
    d.contents.length === 0 &&
    d.note.trim() === "" &&
    !d.followUp
  )
}

export function draftKey(documentId: string, residentId: string): StorageKey {
  return [documentId, "draft", residentId]
}

/** The 個別避難計画 form's draft (書きかけの計画): the form as typed, kept like a record's. */
export interface PlanDraft {
  v: 1
  savedAt: number
  consent: string
  consentOn: string
  needs: string[]
  helpers: { name: string; relation: string; phone: string }[]
  destKind: string
  destName: string
  howToReach: string
  medicalNote: string
}

/** Under the resident's document id too, beside the record's draft: [documentId, "plan-draft", residentId]. */
export function planDraftKey(documentId: string, residentId: string): StorageKey {
  return [documentId, "plan-draft", residentId]
}

/** The stored plan draft, or undefined for anything that is not one. */
export function decodePlanDraft(bytes: Uint8Array): PlanDraft | undefined {
  try {
    const d = JSON.parse(new TextDecoder().decode(bytes)) as Partial<PlanDraft>
    const text = (v: unknown) => (typeof v === "string" ? v : "")
    if (d.v !== 1 || !strings(d.needs) || !Array.isArray(d.helpers)) return undefined
    return {
      v: 1,
      savedAt: typeof d.savedAt === "number" ? d.savedAt : 0,
      consent: text(d.consent),
      consentOn: text(d.consentOn),
      needs: d.needs,
      helpers: d.helpers.slice(0, 5).map(h => ({ name: text(h?.name), relation: text(h?.relation), phone: text(h?.phone) })),
      destKind: text(d.destKind),
      destName: text(d.destName),
      howToReach: text(d.howToReach),
      medicalNote: text(d.medicalNote),
    }
  } catch {
    return undefined
  }
}

export function encodeDraft(d: RecordDraft | PlanDraft): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(d))
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every(x => typeof x === "string")

/** The stored draft, or undefined for anything that is not one (another version, damage). */
export function decodeDraft(bytes: Uint8Array): RecordDraft | undefined {
  try {
    const d = JSON.parse(new TextDecoder().decode(bytes)) as Partial<RecordDraft>
    if (d.v !== 1 || typeof d.note !== "string" || !strings(d.fields) || !strings(d.contents)) return undefined
    if (typeof d.checks !== "object" || d.checks === null) return undefined
    // A draft from before the toggle: 分野 高齢者 alone was the preselection, not a consultation.
    const consulted =
      typeof d.consulted === "boolean"
        ? d.consulted
        : d.contents.length > 0 || (d.fields.length > 0 && d.fields.join() !== OLD_DEFAULT_FIELDS.join())
    return {
      v: 1,
      savedAt: typeof d.savedAt === "number" ? d.savedAt : 0,
      when: typeof d.when === "string" ? d.when : undefined,
      kind: d.kind,
      outcome: d.outcome,
      checks: d.checks,
      concern: d.concern ?? "none",
      consulted,
      fields: consulted ? d.fields : [],
      contents: consulted ? d.contents : [],
      note: d.note,
      followUp: d.followUp === true,
      followUpOn: typeof d.followUpOn === "string" ? d.followUpOn : undefined,
    }
  } catch {
    return undefined
  }
}

/**
 * Drafts in a storage adapter (the encrypted one). Writes of one draft are applied in order, one at a
 * time, the latest value winning: typing fast costs at most one encryption in flight, and a removal
 * (saved, or discarded on purpose) is never overtaken by an older write that was still encrypting.
 */
export class Drafts {
  private next = new Map<string, RecordDraft | PlanDraft | null>()
  private running = new Map<string, Promise<void>>()

  constructor(private storage: StorageAdapterInterface) {}

  /** Keeps `draft` (a blank one removes what was kept). */
  put(key: StorageKey, draft: RecordDraft): Promise<void> {
    return this.write(key, isBlank(draft) ? null : draft)
  }

  remove(key: StorageKey): Promise<void> {
    return this.write(key, null)
  }

  load(key: StorageKey): Promise<RecordDraft | undefined> {
    return this.read(key, decodeDraft)
  }

  /** Keeps a plan form's draft (the form keeps one only once something was changed). */
  putPlan(key: StorageKey, draft: PlanDraft): Promise<void> {
    return this.write(key, draft)
  }

  loadPlan(key: StorageKey): Promise<PlanDraft | undefined> {
    return this.read(key, decodePlanDraft)
  }

  /** What is stored under `key` once the writes asked for so far are done, decoded. */
  private async read<T>(key: StorageKey, decode: (bytes: Uint8Array) => T | undefined): Promise<T | undefined> {
    await this.running.get(JSON.stringify(key))
    const data = await this.storage.load(key).catch(() => undefined)
    return data ? decode(data) : undefined
  }

  /** Every write asked for so far has reached the storage. */
  async flush(): Promise<void> {
    await Promise.all([...this.running.values()])
  }

  private write(key: StorageKey, value: RecordDraft | PlanDraft | null): Promise<void> {
    const k = JSON.stringify(key)
    this.next.set(k, value)
    let run = this.running.get(k)
    if (!run) {
      run = this.drain(key, k)
      this.running.set(k, run)
    }
    return run
  }

  private async drain(key: StorageKey, k: string) {
    try {
      while (this.next.has(k)) {
        const value = this.next.get(k)!
        this.next.delete(k)
        try {
          if (value === null) await this.storage.remove(key)
          else await this.storage.save(key, encodeDraft(value))
        } catch (e) {
          console.warn("draft not stored", e instanceof Error ? e.message : e)
        }
      }
    } finally {
      this.running.delete(k)
    }
  }
}
