// The timeline beyond the mouse: on a touch screen a sideways swipe on a bar drags it (and one
// elsewhere pans the chart), and a drag held at the chart's edge scrolls the chart so a bar can
// go beyond what is in view.

import assert from "node:assert/strict";
import { suite, openPage, signIn, assertNoProblems, admin, api, PHONE } from "../harness.mjs";
import { DRAG_PLAN as PLAN } from "../plans.mjs";

const test = suite({ demo: true });

/** A new project from PLAN, its timeline open at day zoom, scrolled to the start. */
async function timeline(server, page) {
  const token = admin(server, ["create-token", "demo"]);
  const imported = await api(server, token, "POST", "/projects/import", PLAN);
  assert.equal(imported.status, 201, imported.text);
  const project = imported.json.id;
  await signIn(page, server, "demo", "demo");
  await page.goto(`${server.url}/projects/${project}/timeline`);
  await page.getByRole("button", { name: "Days" }).click();
  await page.getByRole("button", { name: "Days", pressed: true }).waitFor();
  await page.locator("#timeline").evaluate((el) => { el.scrollLeft = 0; });
  const bar = (id) => page.locator(`#timeline .tl-item[data-id="${id}"] .tl-bar`);
  await bar("bravo").waitFor();
  return { token, project, bar };
}

async function startNoEarlierThan(server, token, project, task) {
  const stored = await api(server, token, "GET", `/projects/${project}/tasks/${task}`);
  assert.equal(stored.status, 200, stored.text);
  return stored.json.data.start_no_earlier_than;
}

test("on a touch screen, a sideways swipe on a bar drags it; elsewhere it pans", async ({ server, browser }) => {
  const { context, page, problems } = await openPage(browser, PHONE, { hasTouch: true });
  try {
    const { token, project, bar } = await timeline(server, page);
    const cdp = await context.newCDPSession(page);
    const touch = (type, x, y) =>
      cdp.send("Input.dispatchTouchEvent", { type, touchPoints: type === "touchEnd" ? [] : [{ x, y }] });
    const swipe = async (x, y, dx) => {
      await touch("touchStart", x, y);
      for (let i = 1; i <= 10; i++) await touch("touchMove", x + (i * dx) / 10, y);
      await touch("touchEnd");
    };

    // Bravo in view, a little right of the names.
    const viewport = page.locator("#timeline");
    const view = await viewport.boundingBox();
    const names = await page.locator("#timeline .tl-names").boundingBox();
    const start = await bar("bravo").boundingBox();
    await viewport.evaluate((el, dx) => { el.scrollLeft += dx; }, start.x - (names.x + names.width + 40));

    // A swipe to the right on Bravo drags it two days later.
    const box = await bar("bravo").boundingBox();
    assert.ok(box.x + box.width < view.x + view.width, "Bravo is in view");
    await swipe(box.x + Math.min(8, box.width / 3), box.y + box.height / 2, 2 * 28);
    await page.locator("#tl-moved").waitFor({ state: "visible" });
    await page.locator("#tl-moved-list").getByRole("button", { name: "Charlie" }).waitFor();
    assert.ok(await startNoEarlierThan(server, token, project, "bravo"), "the swipe stored a start-no-earlier-than date");

    // A swipe to the left in Charlie's row, where its bar is not, pans the chart to the right.
    await page.waitForFunction(() => document.getElementById("timeline").getAttribute("aria-busy") !== "true");
    await viewport.evaluate((el) => { el.scrollLeft = 0; });
    const charlie = await bar("charlie").boundingBox();
    const x = view.x + view.width - 20;
    assert.ok(charlie.x > x + 10, "Charlie's bar is right of the swipe");
    await swipe(x, charlie.y + charlie.height / 2, -150);
    const panned = await viewport.evaluate((el) => el.scrollLeft);
    assert.ok(panned > 100, `the chart panned (${panned} px)`);
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});

test("a drag held at the chart's right edge scrolls the chart and takes the bar beyond the view", async ({ server, browser }) => {
  const { context, page, problems } = await openPage(browser);
  try {
    const { token, project, bar } = await timeline(server, page);
    const viewport = page.locator("#timeline");
    const edge = await viewport.boundingBox();
    const box = await bar("bravo").boundingBox();
    const x = box.x + Math.min(10, box.width / 3);
    const y = box.y + box.height / 2;
    const target = edge.x + edge.width - 8;
    await page.mouse.move(x, y);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(x + (i * (target - x)) / 10, y);
    // Held at the edge, the chart keeps scrolling.
    await page.waitForFunction(() => document.getElementById("timeline").scrollLeft > 300, null, { timeout: 10_000 });
    await page.mouse.up();
    await page.locator("#tl-moved").waitFor({ state: "visible" });
    const date = await startNoEarlierThan(server, token, project, "bravo");
    assert.ok(date, "the drag stored a start-no-earlier-than date");
    // Without the scrolling the drag would have moved Bravo (target - x) / 28 days.
    const inView = Math.round((target - x) / 28);
    const moved = Math.round((Date.parse(date.slice(0, 10)) - Date.parse("2027-03-08")) / 86_400_000);
    assert.ok(moved > inView + 7, `Bravo moved ${moved} days, more than the ${inView} in view`);
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
