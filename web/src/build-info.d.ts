// Set by vite.config.ts at build time (and for Vitest, which reads the same config).
declare const __APP_VERSION__: string
