// Lint of the tablet app: `npm run lint` (eslint src). typescript-eslint's recommended rules, and
// React's two hook rules as errors: hooks called in the same order on every render (rules-of-hooks),
// and every value an effect or callback reads in its dependency list (exhaustive-deps) — a value left
// out on purpose says why, in an eslint-disable-next-line comment beside it.
import { defineConfig } from "eslint/config"
import tseslint from "typescript-eslint"
import reactHooks from "eslint-plugin-react-hooks"

export default defineConfig(
  { ignores: ["dist/**"] },
  tseslint.configs.recommended,
  {
    files: ["src/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      // As tsc's noUnusedLocals: `const { at, ...rest } = x` names `at` to leave it out of `rest`.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
    },
  },
)
