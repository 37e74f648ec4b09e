// The task table's outline by keyboard: outdent works as in Microsoft Project (the task moves
// up a level right after its parent, and the tasks that followed it under that parent become its
// subtasks, so no row moves), and indent puts it back under the task above.

import assert from "node:assert/strict";
import { suite, openPage, signIn, assertNoProblems, admin, api } from "../harness.mjs";

const test = suite({ demo: true });

const PLAN = `
[project]
name = "Outline test"
start = 2027-03-01

[tasks.phase]
name = "Phase"

[tasks.a]
name = "Alpha"
parent = "phase"
duration = "1d"

[tasks.b]
name = "Bravo"
parent = "phase"
duration = "1d"

[tasks.c]
name = "Charlie"
parent = "phase"
duration = "1d"

[tasks.d]
name = "Delta"
duration = "1d"
`;

test("outdent keeps every row in place; indent puts the task back", async ({ server, browser }) => {
  const token = admin(server, ["create-token", "demo"]);
  const imported = await api(server, token, "POST", "/projects/import", PLAN);
  assert.equal(imported.status, 201, imported.text);
  const project = imported.json.id;
  const parents = async () => {
    const answer = await api(server, token, "GET", `/projects/${project}/tasks`);
    assert.equal(answer.status, 200, answer.text);
    return Object.fromEntries(answer.json.items.map((task) => [task.id, task.data.parent ?? null]));
  };
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page, server, "demo", "demo");
    await page.goto(`${server.url}/projects/${project}/tasks`);
    const order = () => page.locator("#task-rows tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-id")));
    const settled = () => page.waitForFunction(() => !document.getElementById("task-table")?.hasAttribute("aria-busy"));
    await page.locator('#task-rows tr[data-id="b"] td.c-name').click();
    assert.deepEqual(await order(), ["phase", "a", "b", "c", "d"]);

    // Outdent Bravo: it leaves Phase, and Charlie, which followed it there, becomes its subtask.
    await page.keyboard.press("Alt+Shift+ArrowLeft");
    await page.getByText("the task after it is now its subtask").waitFor();
    await settled();
    assert.deepEqual(await order(), ["phase", "a", "b", "c", "d"], "no row moved");
    assert.deepEqual(await parents(), { phase: null, a: "phase", b: null, c: "b", d: null });
    assert.match(await page.locator('#task-rows tr[data-id="b"]').innerText(), /Bravo/);

    // Indent it again: under Phase, after Alpha, with Charlie still its subtask.
    await page.keyboard.press("Alt+Shift+ArrowRight");
    await page.getByText("is now a subtask of “Phase”").waitFor();
    await settled();
    assert.deepEqual(await order(), ["phase", "a", "b", "c", "d"]);
    assert.deepEqual(await parents(), { phase: null, a: "phase", b: "phase", c: "b", d: null });
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
