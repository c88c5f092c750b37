// The tablet's local-data protection (docs/SECURITY.md):
//
// - Every chunk automerge-repo stores goes through EncryptedStorage: AES-256-GCM with a random data
//   key, a fresh 96-bit IV per chunk, and the storage key as additional data (a chunk cannot be
//   moved to another document). What IndexedDB holds is ciphertext; the keys are document ids.
// - The data key is stored only wrapped (AES-GCM) by a key-encryption key derived from
//   PBKDF2-SHA256(PIN, salt, 600,000 iterations) combined (HKDF) with the device's key share from
//   the server, which the server hands only to the enrolled, non-revoked device. The share is
//   cached so the PIN unlocks offline; the offline expiry and remote wipe bound that window.
// - Too long without a check-in (the city's offline expiry) forgets the cached share: the store and
//   its unsent records stay, sealed, until the server hands the share again — which it does only to
//   the enrolled, non-revoked device (D8: time locks, revocation erases).
// - 10 wrong PINs or a revoked device erase the wrapped key and the stored chunks: the data is gone
//   from this tablet.
import type { StorageAdapterInterface, StorageKey, Chunk } from "@automerge/automerge-repo/slim"

export const PBKDF2_ITERATIONS = 600_000
export const MAX_PIN_FAILURES = 10
const LS_VAULT = "mimamori.vault"
export const DB_NAME = "mimamori"

interface VaultRecord {
  salt: string
  iterations: number
  /** iv (12 bytes) || AES-GCM(raw data key) under the key-encryption key. */
  wrapped: string
  failures: number
  /** The device's key share, cached for offline unlock ("" for a session without a device);
   * absent once forgotten at the offline expiry (see forgetShare). */
  share?: string
  /** The share was forgotten at the offline expiry; whether it was "" (no device). */
  forgotten?: { shareless: boolean }
  /** Last successful check-in with the server (ms). */
  checkedIn: number
  /** The hardware-bound factor, where the browser offers it: a platform WebAuthn credential's PRF. */
  prf?: { credential: string; salt: string }
}

const enc = new TextEncoder()
const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b))
const unb64 = (s: string) => Uint8Array.from(atob(s), c => c.charCodeAt(0))
export const b64urlToBytes = (s: string) => unb64(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4))
export const bytesToB64url = (b: Uint8Array) => b64(b).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")

function read(): VaultRecord | undefined {
  try {
    const raw = localStorage.getItem(LS_VAULT)
    return raw ? (JSON.parse(raw) as VaultRecord) : undefined
  } catch {
    return undefined
  }
}
function write(v: VaultRecord) {
  localStorage.setItem(LS_VAULT, JSON.stringify(v))
}

export const vault = {
  exists: () => read() !== undefined,
  failures: () => read()?.failures ?? 0,
  lastCheckIn: () => read()?.checkedIn,
  cachedShare: () => read()?.share,

  /** Records a check-in. The share the key was wrapped with is kept as it is: replacing it would
   * make the right PIN fail. */
  checkedIn() {
    const v = read()
    if (v) write({ ...v, checkedIn: Date.now() })
  },

  /** Whether the share was forgotten at the offline expiry (the store is sealed until restored). */
  sealed: () => read()?.forgotten !== undefined,
  /** Whether a sealed store was made without a device share (an office PC): "" restores it. */
  sealedShareless: () => read()?.forgotten?.shareless === true,

  /**
   * The offline expiry: forgets the cached share. Nothing stored is deleted — the PIN simply cannot
   * open the store until the server hands the share again ([restoreShare]).
   */
  forgetShare() {
    const v = read()
    if (!v || v.forgotten) return
    write({ ...v, share: undefined, forgotten: { shareless: v.share === "" } })
  },

  /** The server handed the share again (the device is enrolled and not revoked): unsealed. */
  restoreShare(share: string) {
    const v = read()
    if (!v?.forgotten) return
    write({ ...v, share, forgotten: undefined, checkedIn: Date.now() })
  },

  /** Whether the tablet's key also needs its platform authenticator (WebAuthn PRF). */
  hardwareBound: () => read()?.prf !== undefined,

  /**
   * First unlock on this tablet: a new data key, wrapped under the PIN, the share and — where the
   * browser has a platform authenticator with PRF — a secret that never leaves that hardware.
   */
  async setup(pin: string, share: string, user: { id: string; login: string; name: string }): Promise<CryptoKey> {
    const salt = crypto.getRandomValues(new Uint8Array(16))
    const raw = crypto.getRandomValues(new Uint8Array(32))
    const prf = await prfRegister(user)
    const kek = await keyEncryptionKey(pin, salt, PBKDF2_ITERATIONS, share, prf?.output)
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const wrapped = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, kek, raw))
    write({
      salt: b64(salt),
      iterations: PBKDF2_ITERATIONS,
      wrapped: b64(new Uint8Array([...iv, ...wrapped])),
      failures: 0,
      share,
      checkedIn: Date.now(),
      prf: prf ? { credential: prf.credential, salt: prf.salt } : undefined,
    })
    const key = await importDataKey(raw)
    raw.fill(0)
    return key
  },

  /** The data key, or "wrong" (counted; the caller erases at MAX_PIN_FAILURES). */
  /**
   * The data key, or "wrong" (counted before the key is even derived, so parallel tries in several
   * tabs cannot get around the limit; none at all once it is reached).
   */
  async unlock(pin: string): Promise<CryptoKey | "wrong" | "hardware" | "sealed"> {
    const attempt = async () => {
      const v = read()
      if (!v) throw new Error("no vault")
      // Sealed (the offline expiry): no try is counted, none can succeed.
      if (v.share === undefined) return "sealed" as const
      if (v.failures >= MAX_PIN_FAILURES) return "wrong" as const
      let hw: Uint8Array | undefined
      if (v.prf) {
        hw = await prfEvaluate(v.prf.credential, v.prf.salt).catch(() => undefined)
        if (!hw) return "hardware" as const
      }
      write({ ...v, failures: v.failures + 1 })
      const kek = await keyEncryptionKey(pin, unb64(v.salt), v.iterations, v.share, hw)
      const blob = unb64(v.wrapped)
      try {
        const raw = new Uint8Array(
          await crypto.subtle.decrypt({ name: "AES-GCM", iv: blob.slice(0, 12) }, kek, blob.slice(12)),
        )
        write({ ...read()!, failures: 0 })
        const key = await importDataKey(raw)
        raw.fill(0)
        return key
      } catch {
        return "wrong" as const
      }
    }
    // One try at a time across tabs.
    return navigator.locks ? navigator.locks.request("mimamori-unlock", attempt) : attempt()
  },

  /** Erases the wrapped key and every stored chunk. */
  async erase() {
    localStorage.removeItem(LS_VAULT)
    for (const k of Object.keys(localStorage)) if (k.startsWith("mimamori.")) localStorage.removeItem(k)
    // Resolves once deleted, or at once when an open connection blocks it (the deletion then
    // completes when that connection closes: the caller reloads the page).
    await new Promise<void>(resolve => {
      const r = indexedDB.deleteDatabase(DB_NAME)
      r.onsuccess = r.onerror = r.onblocked = () => resolve()
    })
  },
}

async function keyEncryptionKey(
  pin: string,
  salt: Uint8Array,
  iterations: number,
  share: string,
  hardware?: Uint8Array,
): Promise<CryptoKey> {
  const pinKey = await crypto.subtle.importKey("raw", enc.encode(pin), "PBKDF2", false, ["deriveBits"])
  const stretched = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations }, pinKey, 256),
  )
  const shareBytes = share ? b64urlToBytes(share) : new Uint8Array()
  const ikm = await crypto.subtle.importKey("raw", new Uint8Array([...stretched, ...shareBytes, ...(hardware ?? [])]), "HKDF", false, [
    "deriveKey",
  ])
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: salt as BufferSource, info: enc.encode("mimamori local store v1") },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  )
}

function importDataKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw as BufferSource, "AES-GCM", false, ["encrypt", "decrypt"])
}

/** automerge-repo storage that encrypts every chunk before it reaches `inner`. */
export class EncryptedStorage implements StorageAdapterInterface {
  /** Documents deleted from this tablet (see forget). */
  private gone: Set<string>

  constructor(
    private inner: StorageAdapterInterface,
    private key: CryptoKey,
    gone: Iterable<string> = [],
  ) {
    this.gone = new Set(gone)
  }

  /**
   * Deletes a document's records and refuses every later write for it. automerge-repo saves
   * through throttles, and a save may be encrypting while the delete runs: without this a late
   * write would leave a record of a resident who is no longer this tablet's.
   */
  async forget(documentId: string) {
    this.gone.add(documentId)
    await this.inner.removeRange([documentId])
  }

  /** The document is this tablet's again (assigned anew). */
  allow(documentId: string) {
    this.gone.delete(documentId)
  }

  private aad(key: StorageKey) {
    return enc.encode(key.join("\u0000"))
  }

  private async seal(key: StorageKey, data: Uint8Array): Promise<Uint8Array> {
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const ct = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: this.aad(key) }, this.key, data as BufferSource),
    )
    const out = new Uint8Array(12 + ct.length)
    out.set(iv)
    out.set(ct, 12)
    return out
  }

  private async open(key: StorageKey, data: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: data.slice(0, 12), additionalData: this.aad(key) },
        this.key,
        data.slice(12),
      ),
    )
  }

  async load(key: StorageKey) {
    const data = await this.inner.load(key)
    return data ? this.open(key, data) : undefined
  }
  async save(key: StorageKey, data: Uint8Array) {
    if (this.gone.has(key[0])) return
    const sealed = await this.seal(key, data)
    // Checked again: forget() may have run while this was encrypting.
    if (this.gone.has(key[0])) return
    await this.inner.save(key, sealed)
  }
  remove(key: StorageKey) {
    return this.inner.remove(key)
  }
  async loadRange(prefix: StorageKey): Promise<Chunk[]> {
    const chunks = await this.inner.loadRange(prefix)
    return Promise.all(chunks.map(async c => ({ key: c.key, data: c.data ? await this.open(c.key, c.data) : undefined })))
  }
  removeRange(prefix: StorageKey) {
    return this.inner.removeRange(prefix)
  }
}

// --- the hardware-bound factor: WebAuthn PRF on a platform authenticator ---------------------------

type PrfResults = { prf?: { enabled?: boolean; results?: { first?: ArrayBuffer } } }

/** Makes a platform credential with PRF and evaluates it once; undefined where unsupported. */
async function prfRegister(user: { id: string; login: string; name: string }) {
  try {
    if (!window.PublicKeyCredential || !(await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable())) return undefined
    const salt = crypto.getRandomValues(new Uint8Array(32))
    const cred = (await navigator.credentials.create({
      publicKey: {
        rp: { name: "見守り", id: location.hostname },
        user: { id: enc.encode(user.id).slice(0, 64), name: user.login, displayName: user.name },
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        pubKeyCredParams: [
          { type: "public-key", alg: -7 },
          { type: "public-key", alg: -257 },
        ],
        authenticatorSelection: { authenticatorAttachment: "platform", userVerification: "preferred", residentKey: "discouraged" },
        timeout: 60_000,
        extensions: { prf: { eval: { first: salt } } } as AuthenticationExtensionsClientInputs,
      },
    })) as PublicKeyCredential | null
    if (!cred) return undefined
    const ext = cred.getClientExtensionResults() as PrfResults
    if (!ext.prf?.enabled && !ext.prf?.results?.first) return undefined
    const credential = b64(new Uint8Array(cred.rawId))
    const output = ext.prf?.results?.first ? new Uint8Array(ext.prf.results.first) : await prfEvaluate(credential, b64(salt))
    return { credential, salt: b64(salt), output }
  } catch (e) {
    console.warn("no hardware-bound key factor:", e instanceof Error ? e.message : e)
    return undefined
  }
}

async function prfEvaluate(credential: string, salt: string): Promise<Uint8Array> {
  const assertion = (await navigator.credentials.get({
    publicKey: {
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      allowCredentials: [{ type: "public-key", id: unb64(credential) }],
      userVerification: "preferred",
      // Without its authenticator (a copied profile) the browser waits for one this long.
      timeout: 15_000,
      extensions: { prf: { eval: { first: unb64(salt) } } } as AuthenticationExtensionsClientInputs,
    },
  })) as PublicKeyCredential | null
  const first = (assertion?.getClientExtensionResults() as PrfResults | undefined)?.prf?.results?.first
  if (!first) throw new Error("the authenticator gave no PRF output")
  return new Uint8Array(first)
}
