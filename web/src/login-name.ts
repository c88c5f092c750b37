// The login name as the server reads it (domain::Login: a-z 0-9 . _ -, lower case), from what a
// Japanese tablet keyboard types: full-width letters and digits (ｋａｇｕｒａｏｋａ０１), a kana-mode
// hyphen (ー) or full stop (。), a space before or after. Only the spelling is mended; a name the
// server does not know is still refused by the server, throttled like any wrong login.

/** Dashes a Japanese keyboard types for "-" (NFKC leaves them): ー ｰ ‐ ‑ ‒ – — ― − －. */
const DASHES = /[\u30fc\uff70\u2010-\u2015\u2212\uff0d]/g
/** Full stops for ".": 。 ｡ (NFKC turns ． into "." already). */
const STOPS = /[\u3002\uff61]/g

/** `ｋａｇｕｒａｏｋａ－０１` → `kaguraoka-01`. */
export function normalizeLogin(typed: string): string {
  return typed.normalize("NFKC").replace(DASHES, "-").replace(STOPS, ".").trim().toLowerCase()
}
