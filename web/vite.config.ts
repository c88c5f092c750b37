// Vite build of the tablet app (run by Node; not in tsconfig.json, which type-checks the browser code
// against browser types only). `npm run build` → web/dist, which the server serves (hashed files under
// /assets/ are cached for a year; everything else is revalidated).
import { readFileSync } from "node:fs"
import { defineConfig } from "vite"
import react from "@vitejs/plugin-react"
import { VitePWA } from "vite-plugin-pwa"

// The app's version is the server's (Cargo.toml), with the build's `MIMAMORI_BUILD` (scripts/package sets
// it from `git describe`) when there is one: what a tablet reports at check-in names the build it runs.
const cargoVersion = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(new URL("../Cargo.toml", import.meta.url), "utf8"))?.[1] ?? "0"
const appVersion = process.env.MIMAMORI_BUILD ? `${cargoVersion}+${process.env.MIMAMORI_BUILD}` : cargoVersion

export default defineConfig({
  define: { __APP_VERSION__: JSON.stringify(appVersion) },
  // Vitest reads saved Automerge documents (tests/fixtures/schema-v1/*.automerge) with `?inline`.
  assetsInclude: ["**/*.automerge"],
  plugins: [
    react(),
    VitePWA({
      // Our own service worker (src/sw.ts): precache + offline navigation now, push and wipe later.
      strategies: "injectManifest",
      srcDir: "src",
      filename: "sw.ts",
      registerType: "autoUpdate",
      injectRegister: false, // registered in src/main.tsx (no inline script: CSP)
      injectManifest: {
        // Automerge's wasm is ~3.6 MB and must be available offline.
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        globPatterns: ["**/*.{js,css,html,wasm,png,svg,webmanifest}"],
      },
      manifest: {
        name: "見守り 記録",
        short_name: "見守り",
        description: "民生委員児童委員の見守り記録",
        lang: "ja",
        start_url: "/",
        scope: "/",
        display: "standalone",
        orientation: "any",
        background_color: "#ffffff",
        theme_color: "#0b4f8a",
        icons: [
          { src: "/icon-192.png", sizes: "192x192", type: "image/png" },
          { src: "/icon-512.png", sizes: "512x512", type: "image/png" },
          { src: "/icon-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
    }),
  ],
  build: {
    target: "es2022",
    sourcemap: false,
  },
})
