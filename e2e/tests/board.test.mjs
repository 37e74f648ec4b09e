// The board: dragging a card to another column records the task's progress (through the API),
// the column counts follow, a column over its WIP limit is marked, and the assignee filter
// shows one person's cards.

import assert from "node:assert/strict";
import { suite, openPage, signIn, assertNoProblems, admin, api, DEMO } from "../harness.mjs";

const test = suite({ demo: true });

const column = (page, status) => page.locator(`section.column[data-status="${status}"]`);
const count = async (page, status) => column(page, status).locator("li.card").count();

test("dragging a card to In progress starts its task, and the board keeps it there", async ({ server, browser }) => {
  const token = admin(server, ["create-token", "demo"]);
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page, server, "demo", "demo");
    await page.goto(`${server.url}/projects/${DEMO.mobile}/board`);
    await page.getByRole("heading", { name: "Board", level: 1 }).waitFor();

    const card = column(page, "not_started").locator("li.card:not([hidden])").first();
    const id = await card.getAttribute("data-task");
    const name = await card.locator("h3").innerText();
    const before = { notStarted: await count(page, "not_started"), inProgress: await count(page, "in_progress") };
    const stored = await api(server, token, "GET", `/projects/${DEMO.mobile}/tasks/${id}`);
    assert.ok(!stored.json.data.actual_start, `${name} has not started`);
    // What the move should record: the scheduled start if it has come by the status date, else
    // the status date; never before the project start.
    const fields = (await api(server, token, "GET", `/projects/${DEMO.mobile}`)).json.fields;
    const schedule = await api(server, token, "GET", `/projects/${DEMO.mobile}/schedule`);
    const planned = schedule.json.tasks.find((task) => task.id === id).start.slice(0, 10);
    const statusDate = String(fields.status_date).slice(0, 10);
    let expected = planned < statusDate ? planned : statusDate;
    if (expected < String(fields.start).slice(0, 10)) expected = String(fields.start).slice(0, 10);

    // Drag it by mouse, in steps, onto the In progress column.
    await card.scrollIntoViewIfNeeded();
    const from = await card.locator("h3").boundingBox();
    const target = await column(page, "in_progress").locator(".column-head").boundingBox();
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    const to = { x: target.x + target.width / 2, y: target.y + target.height + 20 };
    for (let i = 1; i <= 12; i++) {
      await page.mouse.move(from.x + from.width / 2 + ((to.x - from.x - from.width / 2) * i) / 12,
        from.y + from.height / 2 + ((to.y - from.y - from.height / 2) * i) / 12);
    }
    await page.mouse.up();

    // The card is in the new column at once, and the server records an actual start.
    const moved = column(page, "in_progress").locator(`li.card[data-task="${id}"]`);
    await moved.waitFor();
    await page.waitForFunction((taskId) => document.querySelector(`li.card[data-task="${taskId}"]`)?.getAttribute("aria-busy") !== "true", id);
    assert.equal(await count(page, "in_progress"), before.inProgress + 1);
    assert.equal(await count(page, "not_started"), before.notStarted - 1);
    assert.match(await page.locator(`#wip-count-in_progress`).innerText(), new RegExp(`${before.inProgress + 1}`));
    const after = await api(server, token, "GET", `/projects/${DEMO.mobile}/tasks/${id}`);
    assert.ok(after.json.data.actual_start, `dragging ${name} recorded an actual start: ${JSON.stringify(after.json.data)}`);
    assert.equal(String(after.json.data.actual_start).slice(0, 10), expected, `${name}: planned ${planned}, status date ${statusDate}`);
    assert.match(await page.locator("#announcer").innerText(), new RegExp(`Actual start recorded: ${expected}`));

    // A reload shows it where it was dropped.
    await page.reload();
    await column(page, "in_progress").locator(`li.card[data-task="${id}"]`).waitFor();

    // The "Move to" buttons do the same by keyboard: back to Not started.
    await column(page, "in_progress").locator(`li.card[data-task="${id}"]`).getByRole("button", { name: "Move to Not started" }).click();
    await column(page, "not_started").locator(`li.card[data-task="${id}"]`).waitFor();

    // The overview's "What changed since" lists the moves, newest first.
    await page.goto(`${server.url}/projects/${DEMO.mobile}`);
    const changes = page.locator("#changes ol.changes li");
    await changes.first().waitFor();
    assert.match(await changes.first().innerText(), new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
      "the last change names the moved task");
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});

test("a column over its WIP limit is marked, and the assignee filter shows one person's cards", async ({ server, browser }) => {
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page, server, "demo", "demo");
    await page.goto(`${server.url}/projects/${DEMO.mobile}/board`);
    const inProgress = await count(page, "in_progress");
    assert.ok(inProgress >= 2, "the demo has work in progress");

    // Set the In progress limit below its count.
    await page.getByText("WIP limits").click();
    await page.getByLabel("In progress limit").fill(String(inProgress - 1));
    await page.getByRole("button", { name: "Save limits" }).click();
    await page.waitForFunction(() => document.querySelector('section.column[data-status="in_progress"]').classList.contains("over-limit"));
    await page.reload();
    assert.match(await column(page, "in_progress").getAttribute("class"), /over-limit/, "still marked after a reload");
    assert.match(await page.locator("#wip-count-in_progress").innerText(), /over the limit/);

    // Filter by the first person in the list.
    const options = await page.getByLabel("Assignee").locator("option").evaluateAll((list) => list.map((o) => [o.value, o.textContent]));
    const [person, personName] = options.find(([value]) => value && value !== "*");
    await page.getByLabel("Assignee").selectOption(person);
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(new RegExp(`assignee=${person}`));
    const visible = await page.locator("li.card:not([hidden])").evaluateAll((cards) => cards.map((c) => c.getAttribute("data-assignees")));
    assert.ok(visible.length > 0, `${personName} has cards`);
    for (const assignees of visible) assert.ok(assignees.split(" ").includes(person), `only ${personName}'s cards (${assignees})`);
    assert.ok(visible.length < await page.locator("li.card").count(), "others' cards are hidden");
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
