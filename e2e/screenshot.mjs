// Takes README's screenshot: a demo project's page in Chromium at 1280 x 800 (by default the
// website relaunch's timeline, scrolled to its critical path).
//
//   cargo build -p waymark && node e2e/screenshot.mjs [timeline|overview|...] [docs/screenshot.png] [PROJECT]

import path from "node:path";
import { statSync } from "node:fs";
import { startServer, launchBrowser, openPage, signIn, repoRoot, DEMO } from "./harness.mjs";

const tab = process.argv[2] || "timeline";
const out = path.resolve(process.argv[3] || path.join(repoRoot, "docs/screenshot.png"));
const project = Number(process.argv[4] || DEMO.website);

const server = await startServer({ demo: true });
const browser = await launchBrowser();
try {
  const { page } = await openPage(browser, { width: 1280, height: 800 });
  await signIn(page, server, "demo", "demo");
  await page.goto(`${server.url}/projects/${project}${tab === "overview" ? "" : `/${tab}`}`);
  await page.waitForLoadState("networkidle");
  if (tab === "timeline") {
    await page.locator("#timeline .tl-item").first().waitFor();
    // Scroll down so the critical path (drawn in red) is in view, in the middle.
    await page.locator("#timeline").evaluate((viewport) => {
      const tasks = Waymark.data("timeline-data").schedule.tasks;
      const first = tasks.findIndex((task) => task.critical && !task.summary && task.progress < 1);
      if (first > 8) viewport.scrollTop = (first - 8) * 28;
    });
    await page.waitForTimeout(300);
  }
  await page.screenshot({ path: out });
  console.log(`${path.relative(repoRoot, out)}: ${Math.round(statSync(out).size / 1024)} KB`);
} finally {
  await browser.close();
  await server.stop();
}
