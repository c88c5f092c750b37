// Small pieces shared by the screens.
import type { ReactNode } from "react"
import type { Me } from "./api"
import { holdsRecords } from "./store"

/**
 * What the user holds, in their words (never 端末): the city's tablet for those who keep records, the
 * office PC for city staff and the administrator (who also choose a PIN, and can be erased).
 */
export function deviceWord(me: Me | undefined): "タブレット" | "パソコン" {
  return me && !holdsRecords(me) ? "パソコン" : "タブレット"
}

/** A labelled form field with its error under it (the error names what is wrong, in words). */
export function Field({ label, error, children }: { label: string; error?: string; children: ReactNode }) {
  return (
    <label className={error ? "field invalid" : "field"}>
      <span className="label">{label}</span>
      {children}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </label>
  )
}

/** A message for the whole form or screen (errors of one field go with the field). */
export function ErrorLine({ text }: { text?: string }) {
  return text ? (
    <p className="error" role="alert">
      {text}
    </p>
  ) : null
}

/** One of a few big buttons (a radio group): for gloved fingers, no small radio circles. */
export function Choice<T extends string>({
  name,
  options,
  value,
  onChange,
}: {
  name: string
  options: [T, string][]
  value: T | undefined
  onChange: (v: T) => void
}) {
  return (
    <div className="choices" role="radiogroup" aria-label={name}>
      {options.map(([k, l]) => (
        <button
          type="button"
          key={k}
          role="radio"
          aria-checked={value === k}
          className={value === k ? "choice on" : "choice"}
          data-value={k}
          onClick={() => onChange(k)}
        >
          {l}
        </button>
      ))}
    </div>
  )
}

/** Several of a few big buttons (checkboxes): as [`Choice`], any number on. */
export function Multi<T extends string>({ options, value, onChange }: { options: [T, string][]; value: T[]; onChange: (v: T[]) => void }) {
  return (
    <div className="choices multi">
      {options.map(([k, l]) => (
        <button
          type="button"
          key={k}
          role="checkbox"
          aria-checked={value.includes(k)}
          className={value.includes(k) ? "choice on" : "choice"}
          onClick={() => onChange(value.includes(k) ? value.filter(x => x !== k) : [...value, k])}
        >
          {l}
        </button>
      ))}
    </div>
  )
}

/** A titled group of controls (a fieldset), with its error under it. */
export function Group({ title, error, testid, children }: { title: string; error?: string; testid: string; children: ReactNode }) {
  return (
    <fieldset className={error ? "group invalid" : "group"} data-testid={testid}>
      <legend>{title}</legend>
      {children}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </fieldset>
  )
}
