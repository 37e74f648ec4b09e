// Takes README's screenshot: the demo's mobile app project in Chromium at 1280 x 800.
//
//   cargo build -p waymark && node e2e/screenshot.mjs [timeline|overview|...] [docs/screenshot.png]

import path from "node:path";
import { statSync } from "node:fs";
import { startServer, launchBrowser, openPage, signIn, repoRoot, DEMO } from "./harness.mjs";

const tab = process.argv[2] || "timeline";
const out = path.resolve(process.argv[3] || path.join(repoRoot, "docs/screenshot.png"));

const server = await startServer({ demo: true });
const browser = await launchBrowser();
try {
  const { page } = await openPage(browser, { width: 1280, height: 800 });
  await signIn(page, server, "demo", "demo");
  await page.goto(`${server.url}/projects/${DEMO.mobile}${tab === "overview" ? "" : `/${tab}`}`);
  await page.waitForLoadState("networkidle");
  if (tab === "timeline") await page.locator("#timeline .tl-item").first().waitFor();
  await page.screenshot({ path: out });
  console.log(`${path.relative(repoRoot, out)}: ${Math.round(statSync(out).size / 1024)} KB`);
} finally {
  await browser.close();
  await server.stop();
}
