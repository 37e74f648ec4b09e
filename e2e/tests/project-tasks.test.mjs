// Creating a project with the portfolio's "New project" form, adding tasks with dependencies in
// the task table, and seeing the critical path in the table and on the timeline.

import assert from "node:assert/strict";
import { suite, openPage, signIn, assertNoProblems, admin, api } from "../harness.mjs";

const test = suite({ demo: true });

/** Waits until the locator's text matches. */
async function waitForText(locator, pattern) {
  await locator.filter({ hasText: pattern }).first().waitFor();
}

/** Waits until the task table is not saving. */
async function settled(page) {
  await page.waitForFunction(() => !document.getElementById("task-table")?.hasAttribute("aria-busy"));
}

/** Edits one cell of a task's row: double click, type into the labelled editor, Enter. */
async function editCell(page, name, column, label, value) {
  const row = page.locator("#task-rows tr").filter({ has: page.locator("td.c-name", { hasText: name }) });
  await row.locator(`td.c-${column}`).dblclick();
  const input = page.getByLabel(`${label} of ${name}`);
  await input.fill(value);
  await input.press("Enter");
  await input.waitFor({ state: "detached" });
  await settled(page);
}

/** Adds a task at the end with "Add task", names it, and returns its id. */
async function addTask(page, name) {
  await page.getByRole("button", { name: "Add task", exact: true }).click();
  const input = page.getByLabel("Name of New task");
  await input.waitFor();
  await input.fill(name);
  await input.press("Enter");
  await input.waitFor({ state: "detached" });
  await settled(page);
  const row = page.locator("#task-rows tr").filter({ has: page.locator("td.c-name", { hasText: name }) });
  await row.waitFor();
  return row.getAttribute("data-id");
}

test("a new project, tasks with dependencies, the critical path in the table and on the timeline", async ({ server, browser }) => {
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page, server, "demo", "demo");

    // The portfolio's "New project" form goes to the new project's tasks.
    await page.getByLabel("Project name").fill("Garden shed");
    await page.getByLabel("Start date").fill("2027-03-01");
    await page.getByLabel("Deadline").fill("2027-04-30");
    await Promise.all([
      page.waitForURL(/\/projects\/\d+\/tasks$/),
      page.getByRole("button", { name: "Create project" }).click(),
    ]);
    const project = Number(new URL(page.url()).pathname.split("/")[2]);
    await page.getByRole("heading", { name: "Tasks" }).waitFor();
    assert.equal(await page.locator("nav.tabs .project-name").innerText(), "Garden shed");

    // Four tasks: Foundation -> Walls -> Roof is the longest chain; Paint hangs off Foundation
    // with float.
    const ids = {};
    for (const [name, duration] of [["Foundation", "3d"], ["Walls", "4d"], ["Roof", "2d"], ["Paint", "1d"]]) {
      ids[name] = await addTask(page, name);
      await editCell(page, name, "duration", "Duration", duration);
    }
    await editCell(page, "Walls", "after", "Predecessors", ids.Foundation);
    await editCell(page, "Roof", "after", "Predecessors", ids.Walls);
    // By keyboard alone: from Paint's name cell, right arrow to the Predecessors cell, Enter
    // opens the editor, Enter saves.
    const paintName = page.locator(`#task-rows tr[data-id="${ids.Paint}"] td.c-name`);
    await paintName.click();
    for (let i = 0; i < 15; i++) {
      if (await page.evaluate(() => document.activeElement?.classList.contains("c-after"))) break;
      await page.keyboard.press("ArrowRight");
    }
    assert.ok(await page.evaluate(() => document.activeElement?.classList.contains("c-after")), "the arrows reach Predecessors");
    await page.keyboard.press("Enter");
    const editor = page.getByLabel("Predecessors of Paint");
    await editor.waitFor();
    await page.keyboard.type(ids.Foundation);
    await page.keyboard.press("Enter");
    await editor.waitFor({ state: "detached" });
    await settled(page);

    const row = (name) => page.locator("#task-rows tr").filter({ has: page.locator("td.c-name", { hasText: name }) });
    await waitForText(row("Roof").locator("td.c-after"), ids.Walls);
    await waitForText(row("Paint").locator("td.c-after"), ids.Foundation);
    for (const name of ["Foundation", "Walls", "Roof"]) {
      await page.locator("#task-rows tr.critical").filter({ hasText: name }).waitFor();
    }
    assert.doesNotMatch(await row("Paint").getAttribute("class") || "", /critical/, "Paint has float");
    // Dates: Walls starts when Foundation finishes.
    const foundationFinish = await row("Foundation").locator("td.c-finish").innerText();
    const wallsStart = await row("Walls").locator("td.c-start").innerText();
    assert.ok(wallsStart >= foundationFinish, `Walls (${wallsStart}) starts after Foundation (${foundationFinish})`);

    // The stored plan has the links, as the API shows it.
    const token = admin(server, ["create-token", "demo"]);
    const walls = await api(server, token, "GET", `/projects/${project}/tasks/${ids.Walls}`);
    assert.deepEqual(walls.json.data.after, [ids.Foundation]);

    // The timeline shows the same critical path, with the links drawn.
    await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Timeline" }).click();
    await page.waitForURL(`${server.url}/projects/${project}/timeline`);
    const bar = (name) => page.locator(`#timeline .tl-item[data-id="${ids[name]}"]`);
    await bar("Roof").waitFor();
    for (const name of ["Foundation", "Walls", "Roof"]) {
      assert.match(await bar(name).getAttribute("class"), /tl-critical/, `${name} is critical on the timeline`);
    }
    assert.doesNotMatch(await bar("Paint").getAttribute("class"), /tl-critical/);
    // Links are drawn as SVG paths (one path may hold several, one "M" each) or lines.
    const drawnLinks = await page.locator("#timeline").evaluate((chart) => {
      const strokes = chart.querySelectorAll("path.tl-link, .tl-links path:not(.tl-arrow), .tl-links line, .tl-links polyline");
      return [...strokes].reduce((n, stroke) => n + (stroke.tagName === "path" ? ((stroke.getAttribute("d") || "").match(/M/g) || []).length : 1), 0);
    });
    assert.ok(drawnLinks >= 3, `the three links are drawn (${drawnLinks} strokes)`);
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
