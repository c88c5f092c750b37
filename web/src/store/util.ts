// Helpers the store's modules share: localStorage as JSON, and a promise with a time limit. Each
// localStorage key belongs to the one module that declares it; all start with "mimamori." (so that
// vault.erase() removes them with the rest).

/** The JSON stored under `key`, or `fallback` when there is none or it does not parse. */
export function load<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key)
    return raw ? (JSON.parse(raw) as T) : fallback
  } catch {
    return fallback
  }
}

export function save(key: string, v: unknown) {
  localStorage.setItem(key, JSON.stringify(v))
}

/** `p`, or a rejection after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error("timed out")), ms))])
}
