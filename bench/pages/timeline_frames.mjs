// Frame times of the timeline of a 2,000-task project in headless Chromium, while scrolling and
// while dragging a bar (issue 6: "the timeline of a 2,000-task project scrolls and drags
// smoothly").
//
//   cargo build --release -p waymark
//   python3 bench/generate.py -n 2000 --estimates --risks 10 --resources 20 --out bench/out --name n2000-pages
//   (cd e2e && npm ci)
//   WAYMARK_BIN=target/release/waymark node bench/pages/timeline_frames.mjs [PLAN]
//
// Starts the server (WAYMARK_BIN; give the release one, as above) on a fresh SQLite
// database, imports the plan, signs in and opens the timeline at 1280 x 800. Then, with
// requestAnimationFrame counting frame intervals and a PerformanceObserver counting long tasks
// (over 50 ms): (1) scrolls the chart down through every row with the mouse wheel (120 px
// steps, one per 16 ms), (2) back up, (3) sideways, (4) drags a bar 300 px to the right in 60
// pointer moves 16 ms apart and drops it, then waits for the page to show what moved. Prints
// JSON: per phase the frame count, median, p95, p99 and max interval, frames over 33 ms and
// long tasks; for the drop, the time until "What moved" shows.

import { readFileSync } from "node:fs";
import path from "node:path";
import {
  startServer, launchBrowser, openPage, signIn, createUser, api, repoRoot,
} from "../../e2e/harness.mjs";

const planFile = process.argv[2] || path.join(repoRoot, "bench/out/n2000-pages.plan.toml");

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
  const round = (v) => Math.round(v * 10) / 10;
  return {
    frames: sorted.length,
    median_ms: round(at(0.5)),
    p95_ms: round(at(0.95)),
    p99_ms: round(at(0.99)),
    max_ms: round(sorted[sorted.length - 1] ?? 0),
    over_33_ms: sorted.filter((v) => v > 33.4).length,
  };
}

// Starts counting frames and long tasks in the page.
async function startCounting(page) {
  await page.evaluate(() => {
    const probe = { frames: [], longTasks: [], running: true, last: null };
    window.__probe = probe;
    const tick = (now) => {
      if (probe.last !== null) probe.frames.push(now - probe.last);
      probe.last = now;
      if (probe.running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    probe.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) probe.longTasks.push(entry.duration);
    });
    probe.observer.observe({ type: "longtask" });
  });
}

async function stopCounting(page) {
  // One more frame so the last interval is counted.
  return page.evaluate(() => new Promise((resolve) => {
    requestAnimationFrame(() => {
      const probe = window.__probe;
      probe.running = false;
      probe.observer.disconnect();
      resolve({ frames: probe.frames, longTasks: probe.longTasks });
    });
  }));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function phase(page, name, work) {
  await startCounting(page);
  const started = Date.now();
  await work();
  const { frames, longTasks } = await stopCounting(page);
  return {
    phase: name,
    seconds: (Date.now() - started) / 1000,
    ...stats(frames),
    long_tasks: longTasks.length,
    long_task_max_ms: Math.round(Math.max(0, ...longTasks)),
  };
}

const server = await startServer({ demo: false });
const browser = await launchBrowser();
const results = { plan: path.relative(repoRoot, planFile), viewport: "1280x800", phases: [] };
try {
  const user = createUser(server, "bench", "bench-password", { isAdmin: true });
  const imported = await api(server, user.token, "POST", "/projects/import", readFileSync(planFile, "utf8"));
  if (imported.status !== 201 && imported.status !== 200) throw new Error(`import: ${imported.status} ${imported.text}`);
  const project = imported.json.id;
  const { page } = await openPage(browser, { width: 1280, height: 800 });
  await signIn(page, server, "bench", "bench-password");

  const loadStart = Date.now();
  await page.goto(`${server.url}/projects/${project}/timeline`);
  await page.locator("#timeline .tl-item").first().waitFor();
  results.load_to_first_bar_ms = Date.now() - loadStart;
  results.tasks = await page.evaluate(() => Waymark.data("timeline-data").schedule.tasks.length);
  results.bars_in_dom = await page.locator("#timeline .tl-item").count();

  const viewport = page.locator("#timeline");
  const box = await viewport.boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + Math.min(box.height, 600) / 2);
  await sleep(300);

  const rows = results.tasks;
  const steps = Math.ceil((rows * 28) / 120);
  results.phases.push(await phase(page, `scroll down through ${rows} rows (${steps} wheel steps of 120 px)`, async () => {
    for (let i = 0; i < steps; i++) { await page.mouse.wheel(0, 120); await sleep(16); }
    await sleep(200);
  }));
  results.scrolled_down_to = await viewport.evaluate((el) => ({ scrollTop: Math.round(el.scrollTop), scrollHeight: el.scrollHeight }));
  results.phases.push(await phase(page, `scroll back up (${steps} wheel steps)`, async () => {
    for (let i = 0; i < steps; i++) { await page.mouse.wheel(0, -120); await sleep(16); }
    await sleep(200);
  }));
  results.phases.push(await phase(page, "scroll sideways (200 wheel steps of 120 px right, then left)", async () => {
    for (let i = 0; i < 100; i++) { await page.mouse.wheel(120, 0); await sleep(16); }
    for (let i = 0; i < 100; i++) { await page.mouse.wheel(-120, 0); await sleep(16); }
    await sleep(200);
  }));

  // Drag a movable task bar that is in view, 300 px to the right, in 60 moves.
  await viewport.evaluate((el) => { el.scrollTop = 0; });
  await sleep(300);
  const bar = page.locator("#timeline .tl-item.tl-movable .tl-bar").nth(5);
  await bar.scrollIntoViewIfNeeded();
  const barBox = await bar.boundingBox();
  const startX = barBox.x + Math.min(20, barBox.width / 3);
  const y = barBox.y + barBox.height / 2;
  await page.mouse.move(startX, y);
  let dropMs = null;
  results.phases.push(await phase(page, "drag a bar 300 px right (60 pointer moves, 16 ms apart)", async () => {
    await page.mouse.down();
    for (let i = 1; i <= 60; i++) { await page.mouse.move(startX + i * 5, y); await sleep(16); }
    await sleep(100);
  }));
  const dropped = Date.now();
  const movedBefore = await page.locator("#tl-moved").isVisible();
  await page.mouse.up();
  await page.locator("#tl-moved").waitFor({ state: "visible", timeout: 30_000 });
  await page.waitForFunction(() => document.getElementById("timeline").getAttribute("aria-busy") !== "true");
  dropMs = Date.now() - dropped;
  results.drop_to_what_moved_ms = dropMs;
  results.what_moved_visible_before_drop = movedBefore;
  results.what_moved = (await page.locator("#tl-moved-summary").innerText()).trim();
  results.chromium = browser.version();
  console.log(JSON.stringify(results, null, 2));
} finally {
  await browser.close();
  await server.stop();
}
