// The hardware-bound factor: where the tablet has a platform authenticator with the WebAuthn PRF
// extension (here the Chromium DevTools virtual authenticator), the local data key also needs it —
// a copied profile plus the right PIN does not open without that hardware. (WebAuthn needs a domain,
// so this story runs on http://localhost.)
import { PIN, cfg, enrol, login, origin, reload, run, startServer, tablet, unlock, waitFor } from "./lib.mjs"

run(async () => {
  await startServer()
  const { page, context } = await tablet("commissioner")
  const cdp = await context.newCDPSession(page)
  await cdp.send("WebAuthn.enable")
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      hasPrf: true,
    },
  })
  await enrol(page, cfg.codes["comm-a"])
  await login(page, "comm-a")
  await page.getByText("試験 花子").waitFor()
  const vault = await page.evaluate(() => JSON.parse(localStorage.getItem("mimamori.vault")))
  const credentials = (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials.length

  // With the authenticator: the PIN opens it.
  await page.reload()
  await unlock(page)
  await page.getByText("試験 花子").waitFor()

  // Without it (the profile copied to another machine): the right PIN is not enough.
  await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId })
  await page.reload()
  await page.getByRole("heading", { name: "暗証番号を入れてください" }).waitFor()
  await page.getByLabel("暗証番号").fill("246810")
  await page.getByRole("button", { name: "開く" }).click()
  const refused = await page.getByRole("alert").innerText({ timeout: 60_000 })
  const failures = await page.evaluate(() => JSON.parse(localStorage.getItem("mimamori.vault")).failures)
  const stillLocked = await page.getByRole("heading", { name: "暗証番号を入れてください" }).isVisible()
  return { origin, hardwareBound: !!vault.prf, credentials, refused, failures, stillLocked }
})
