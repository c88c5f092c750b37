// The residents' documents this tablet holds: the list from the server (cached, ids only, for an
// offline start), opening and following each document, what of each is unsent, and documents that
// leave the tablet once nothing of them is unsent. Also what the caller writes into a resident's
// document from here: a resident registered in the field (新しく見守る方) and つなぎ (referrals).
// Owns localStorage "mimamori.docs".

import { Automerge as A, type AutomergeUrl, type DocHandle } from "@automerge/automerge-repo/slim"
import { SCHEMA_VERSION, dayJst, nowJst, str, type ResidentDoc } from "../schema"
import {
  isAuthor,
  referralsNewestFirst,
  writeReferral,
  writeReferralOutcome,
  type FinalOutcome,
  type ReferralInput,
} from "../referrals"
import { unsentOf } from "../pending"
import { api, type DocumentRef } from "../api"
import type { DocEntry, StateCell } from "./state"
import { change, type Sync } from "./sync"
import { shown, type ServerHeads } from "./unsent"
import { load, save } from "./util"

const LS_DOCS = "mimamori.docs" // [{url, residentId, intervalDays}] — ids only, no personal data

/** A resident noticed in the field (新しく見守る方), as the commissioner enters them. */
export interface NoticedResident {
  name: string
  kana: string
  address: string
  noticed: string
}

export class Documents {
  private handles = new Map<AutomergeUrl, DocHandle<ResidentDoc>>()
  /** The documents the server listed last time (undefined before the first answer). */
  private listed?: Set<string>

  constructor(
    private cell: StateCell,
    private sync: Sync,
    private heads: ServerHeads,
  ) {}

  /** The list as cached for an offline start (nothing known yet of what is unsent). */
  static cached(): DocEntry[] {
    return load<Omit<DocEntry, "pendingContacts" | "pendingEdit">[]>(LS_DOCS, []).map(d => ({
      ...d,
      pendingContacts: [],
      pendingEdit: false,
    }))
  }

  /** The store has just opened: every listed document is opened and followed. */
  openAll() {
    for (const d of this.cell.get().docs) void this.open(d.url)
  }

  /** Asks the server which documents the caller holds, and follows the answer. */
  async refresh() {
    const [refs, residents] = await Promise.all([api.documents(), api.residents()])
    const interval = new Map(residents.map(r => [r.id, r.contact_interval_days]))
    const docs = this.cell.get().docs
    const byUrl = new Map(docs.map(d => [d.url, d]))
    this.listed = new Set(refs.map(r => r.document_url))
    this.sync.allowListed(this.listed)
    const next: DocEntry[] = refs.map((r: DocumentRef) => {
      const old = byUrl.get(r.document_url as AutomergeUrl)
      return {
        url: r.document_url as AutomergeUrl,
        residentId: r.resident_id,
        intervalDays: interval.get(r.resident_id) ?? 7,
        awaitingApproval: r.status === "pending",
        setAsideReviews: r.set_aside_reviews ?? {},
        doc: old?.doc,
        pendingContacts: old?.pendingContacts ?? [],
        pendingEdit: old?.pendingEdit ?? false,
      }
    })
    // A document the server no longer lists (the assignment ended) stays while it holds unsent
    // changes, so nothing is stranded; otherwise it leaves this tablet, storage included. Its
    // history stays on the server for the successor.
    const leaving: AutomergeUrl[] = []
    for (const d of docs) {
      if (next.some(n => n.url === d.url)) continue
      // Only a document opened and compared with the server's heads is known to hold nothing
      // unsent; while locked (or still loading) it stays. One that is not stored here at all
      // (unavailable: a reload came before its first save) holds nothing either.
      const known = d.doc || (d.unavailable && !this.handles.get(d.url)?.isReady())
      if (!this.sync.repo || !known || d.pendingContacts.length > 0 || d.pendingEdit) next.push(d)
      else leaving.push(d.url)
    }
    this.drop(leaving)
    this.setDocs(next)
    if (this.sync.repo) for (const d of next) void this.open(d.url)
  }

  /** Deletes from this tablet documents it no longer holds (the store is open). */
  private drop(urls: AutomergeUrl[]) {
    if (!this.sync.repo || urls.length === 0) return
    for (const url of urls) this.handles.delete(url)
    this.sync.delete(urls)
    this.heads.forget(urls)
  }

  /** A new document list: cached (ids only) for an offline start, then shown. */
  private setDocs(docs: DocEntry[]) {
    save(
      LS_DOCS,
      docs.map(d => ({
        url: d.url,
        residentId: d.residentId,
        intervalDays: d.intervalDays,
        awaitingApproval: d.awaitingApproval,
        setAsideReviews: d.setAsideReviews,
      })),
    )
    this.show(docs)
  }

  private show(docs: DocEntry[]) {
    this.cell.set(shown(docs, this.cell.get().activityLog))
  }

  /** One document's state changed (every sync message): the cached list stays as it is. */
  private update(url: AutomergeUrl, patch: Partial<DocEntry>) {
    this.show(this.cell.get().docs.map(d => (d.url === url ? { ...d, ...patch } : d)))
  }

  /** Opens a document (from IndexedDB first, else from the server) and follows it. */
  async open(url: AutomergeUrl): Promise<DocHandle<ResidentDoc> | undefined> {
    const known = this.handles.get(url)
    if (known) return known
    const repo = this.sync.repo
    if (!repo) return undefined
    let handle: DocHandle<ResidentDoc>
    try {
      // "unavailable" too: not stored here and no server yet (offline, or before the first
      // connection). The handle becomes ready when the server sends the document later.
      handle = await repo.find<ResidentDoc>(url, { allowableStates: ["ready", "unavailable"] })
    } catch {
      this.update(url, { unavailable: true })
      return undefined
    }
    if (this.handles.has(url)) return this.handles.get(url)
    this.handles.set(url, handle)
    if (!handle.isReady()) {
      this.update(url, { unavailable: true })
      // Not stored here and no longer the caller's: nothing of it can be unsent, and the server
      // will never send it; without this it would stay listed (and its sync state stored) for ever.
      if (this.listed && !this.listed.has(url)) {
        this.setDocs(this.cell.get().docs.filter(d => d.url !== url))
        this.drop([url])
        return undefined
      }
      void handle.whenReady(["ready"]).then(() => this.recompute(url, handle))
    }
    this.heads.follow(this.sync.repo, url, handle, () => this.recompute(url, handle))
    return handle
  }

  /** What of this document the server has not acknowledged. */
  private recompute(url: AutomergeUrl, handle: DocHandle<ResidentDoc>) {
    if (!handle.isReady()) return
    const doc = handle.doc()
    if (!doc) return
    const plain = doc as ResidentDoc
    const entry = this.cell.get().docs.find(d => d.url === url)
    let pendingContacts = entry?.pendingContacts ?? []
    let pendingEdit = entry?.pendingEdit ?? false
    const unsent = unsentOf(doc, this.heads.of(url))
    // undefined: the server has changes we have not received yet; keep the last answer until then.
    if (unsent) {
      pendingContacts = unsent.contacts
      pendingEdit = unsent.edit
    }
    this.update(url, { doc: plain, pendingContacts, pendingEdit, unavailable: false })
    // No longer the caller's (assignment ended) and nothing unsent: it leaves this tablet now.
    if (this.listed && !this.listed.has(url) && pendingContacts.length === 0 && !pendingEdit) {
      this.setDocs(this.cell.get().docs.filter(d => d.url !== url))
      this.drop([url])
    }
  }

  handle(url: AutomergeUrl) {
    return this.handles.get(url)
  }

  /**
   * 新しく見守る方を登録: a resident the commissioner noticed in the field, as a new document made
   * here (offline too). The tablet offers it to the server at its next sync; the server registers
   * the resident as awaiting the district lead's approval, assigned to this commissioner. Until the
   * server lists it, it is this tablet's own entry (kept while unsent, like any record).
   */
  registerResident(p: NoticedResident): AutomergeUrl | undefined {
    if (!this.sync.repo) return undefined
    const I = (v: string) => new A.ImmutableString(v.trim())
    const handle = this.sync.repo.create<Record<string, unknown>>({
      schema: SCHEMA_VERSION,
      residentId: I(""),
      profile: {
        name: I(p.name),
        kana: I(p.kana),
        address: I(p.address),
        phone: I(""),
        household: I(""),
        categories: [],
        emergencyContacts: [],
        notes: I(p.noticed),
      },
      contacts: {},
      reviews: {},
      // Born at version 2 with its sections: made in the first change, never made twice.
      evacuationPlans: {},
      safety: {},
    })
    const url = handle.url
    this.setDocs([
      ...this.cell.get().docs,
      {
        url,
        residentId: `new-${url.slice("automerge:".length)}`,
        intervalDays: 7,
        pendingContacts: [],
        pendingEdit: true,
        awaitingApproval: true,
      },
    ])
    void this.open(url)
    return url
  }

  // --- つなぎ (referrals), in the resident's document: sent like its contacts (until the server has
  // them, the document is 未送信) ---

  /**
   * Records a referral for the resident (saved here at once; sent when online) and returns its id.
   * A lead may not have opened the document yet: it is opened first. Throws, in words, when the
   * document is not here to write to.
   */
  async recordReferral(entry: DocEntry, r: ReferralInput): Promise<string> {
    const handle = await this.writable(entry)
    const me = this.cell.get().me!
    const id = crypto.randomUUID()
    change(handle, d => writeReferral(d, id, r, me.id, nowJst()))
    return id
  }

  /** The author records what came of their referral (today, Japan time); others cannot (thrown). */
  async setReferralOutcome(entry: DocEntry, id: string, outcome: FinalOutcome, note: string): Promise<void> {
    const handle = await this.writable(entry)
    const me = this.cell.get().me!
    const r = referralsNewestFirst(handle.doc()).find(x => str(x.id) === id)
    if (!r || !isAuthor(r, me.id)) throw new Error("このつなぎの結果は、記録した方だけが入れられます。")
    change(handle, d => {
      writeReferralOutcome(d, id, outcome, note, dayJst(nowJst()), me.id)
    })
  }

  /** The resident's document, opened and ready to write, with the caller known. */
  private async writable(entry: DocEntry): Promise<DocHandle<ResidentDoc>> {
    const handle = this.handles.get(entry.url) ?? (await this.open(entry.url))
    if (!handle?.isReady() || !this.cell.get().me)
      throw new Error("この方の記録をまだ読み込めていません。しばらくしてから、もう一度お試しください。")
    return handle
  }
}
