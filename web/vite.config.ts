// Vite build of the tablet app. `npm run build` → web/dist, which the server serves (hashed files under
// /assets/ are cached for a year; everything else is revalidated).
import { defineConfig } from "vite"
import react from "@vitejs/plugin-react"
import { VitePWA } from "vite-plugin-pwa"

export default defineConfig({
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
