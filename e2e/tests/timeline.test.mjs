// The timeline: the critical path highlighted, and dragging a bar moves its task (a
// start-no-earlier-than date) and its successors, which the page lists as moved.

import assert from "node:assert/strict";
import { suite, openPage, signIn, assertNoProblems, admin, api, unlabelledControls } from "../harness.mjs";
import { DRAG_PLAN as PLAN } from "../plans.mjs";

const test = suite({ demo: true });

async function schedule(server, token, project) {
  const answer = await api(server, token, "GET", `/projects/${project}/schedule`);
  assert.equal(answer.status, 200, answer.text);
  return Object.fromEntries(answer.json.tasks.map((task) => [task.id, task]));
}

test("dragging a bar moves the task and its successors, and the page shows what moved", async ({ server, browser }) => {
  const token = admin(server, ["create-token", "demo"]);
  const imported = await api(server, token, "POST", "/projects/import", PLAN);
  assert.equal(imported.status, 201, imported.text);
  const project = imported.json.id;
  const before = await schedule(server, token, project);

  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page, server, "demo", "demo");
    await page.goto(`${server.url}/projects/${project}/timeline`);
    const bar = (id) => page.locator(`#timeline .tl-item[data-id="${id}"]`);
    await bar("bravo").waitFor();

    // The critical path is highlighted, and named for assistive technology.
    for (const id of ["alpha", "bravo", "charlie"]) {
      assert.match(await bar(id).getAttribute("class"), /tl-critical/, `${id} is drawn critical`);
      assert.match(await bar(id).getAttribute("aria-label"), /critical/);
    }
    assert.doesNotMatch(await bar("delta").getAttribute("class"), /tl-critical/, "delta has float");

    // Zoom to days, then drag Bravo five days to the right.
    await page.getByRole("button", { name: "Days" }).click();
    await page.getByRole("button", { name: "Days", pressed: true }).waitFor();
    // Zooming keeps the middle of the view, which is after these short tasks: back to the start.
    await page.locator("#timeline").evaluate((el) => { el.scrollLeft = 0; });
    await bar("bravo").waitFor();
    const charlieX = (await bar("charlie").locator(".tl-bar").boundingBox()).x;
    const box = await bar("bravo").locator(".tl-bar").boundingBox();
    const pxPerDay = 28;
    const x = box.x + Math.min(10, box.width / 3);
    const y = box.y + box.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(x + (i * 7 * pxPerDay) / 10, y);
    await page.mouse.up();

    // The page recomputes the schedule and lists what moved: Bravo and its successor Charlie.
    const moved = page.locator("#tl-moved");
    await moved.waitFor({ state: "visible" });
    await page.waitForFunction(() => document.getElementById("timeline").getAttribute("aria-busy") !== "true");
    const list = page.locator("#tl-moved-list");
    await list.getByRole("button", { name: "Charlie" }).waitFor();
    assert.equal(await list.getByRole("button", { name: "Delta" }).count(), 0, "Delta did not move");

    // In the chart, Charlie's bar is further right; in the stored plan, Bravo has the constraint.
    await bar("charlie").waitFor();
    const charlieAfter = (await bar("charlie").locator(".tl-bar").boundingBox()).x;
    assert.ok(charlieAfter > charlieX + 3 * pxPerDay, `Charlie's bar moved right (${charlieX} -> ${charlieAfter})`);
    assert.match(await bar("charlie").getAttribute("class"), /tl-moved/);
    const after = await schedule(server, token, project);
    assert.ok(after.bravo.start > before.bravo.start, `Bravo starts later (${before.bravo.start} -> ${after.bravo.start})`);
    assert.ok(after.charlie.start > before.charlie.start, `Charlie starts later (${before.charlie.start} -> ${after.charlie.start})`);
    assert.equal(after.delta.start, before.delta.start, "Delta stays");
    const stored = await api(server, token, "GET", `/projects/${project}/tasks/bravo`);
    assert.ok(stored.json.data.start_no_earlier_than, "the drag stored a start-no-earlier-than date");
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});

test("by keyboard: a bar's form changes the duration, and a bad value is refused at the field", async ({ server, browser }) => {
  const token = admin(server, ["create-token", "demo"]);
  const imported = await api(server, token, "POST", "/projects/import", PLAN.replace("Drag test", "Keyboard test"));
  assert.equal(imported.status, 201, imported.text);
  const project = imported.json.id;

  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page, server, "demo", "demo");
    await page.goto(`${server.url}/projects/${project}/timeline`);
    const alpha = page.locator('#timeline .tl-item[data-id="alpha"]');
    await alpha.waitFor();
    await alpha.focus();
    // Down arrow goes from bar to bar; Enter opens the form of the focused one.
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute("data-id")), "bravo");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    assert.deepEqual(await unlabelledControls(page), [], "the form's controls are labelled");
    const duration = dialog.getByLabel("Duration");
    await duration.fill("three days");
    await duration.press("Enter");
    await page.locator("#tl-duration-error").filter({ hasText: /\S/ }).waitFor();
    assert.notEqual(await duration.getAttribute("aria-invalid"), null, "the field is marked invalid");
    await duration.fill("6d");
    await duration.press("Enter");
    await dialog.waitFor({ state: "hidden" });
    await page.locator("#tl-moved-list").getByRole("button", { name: "Charlie" }).waitFor();
    const bravo = await api(server, token, "GET", `/projects/${project}/tasks/bravo`);
    assert.equal(bravo.json.data.duration, "6d");
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
