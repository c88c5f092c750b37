// Boot: load Automerge's wasm (the slim entry, so the 3.6 MB wasm is a separate, cached, compressed
// file), register the service worker, open the store, render.
import { initializeWasm } from "@automerge/automerge-repo/slim"
import wasmUrl from "@automerge/automerge/automerge.wasm?url"
import { createRoot } from "react-dom/client"
import "./styles.css"

async function boot() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" }).catch(() => {
      /* the app still works online without it */
    })
  }
  await initializeWasm(wasmUrl)
  // Imported after the wasm is ready: the Repo uses Automerge as soon as it exists.
  const { Store } = await import("./store")
  const { App } = await import("./App")
  const store = new Store()
  ;(window as unknown as { mimamori: unknown }).mimamori = store // for tests and support staff
  createRoot(document.getElementById("root")!).render(<App store={store} />)
  await store.boot()
}

boot().catch(e => {
  console.error("boot failed", e)
  document.getElementById("root")!.textContent =
    "アプリを起動できませんでした。画面を閉じて、もう一度開いてください。"
})
