// A viewer can read every page of a project but is offered nothing that changes it, and the
// API refuses their changes (403).

import assert from "node:assert/strict";
import {
  suite, openPage, signIn, assertNoProblems, createUser, admin, api, DEMO,
} from "../harness.mjs";

const test = suite({ demo: true });

// Controls that change a project, by their accessible names.
const EDITING = /^(add|new|create|delete|remove|save|edit|indent|outdent|move|level|apply|invite|import|upload|change role|undo|close|reopen|revoke)\b/i;

/** What the page offers a viewer that would change the project. */
async function editControls(page) {
  const offered = [];
  const main = page.locator("main");
  for (const role of ["button", "textbox", "combobox", "spinbutton", "checkbox", "slider"]) {
    for (const control of await main.getByRole(role).all()) {
      if (!(await control.isVisible()) || !(await control.isEnabled())) continue;
      const name = (await control.getAttribute("aria-label")) || (await control.innerText().catch(() => "")) || "";
      if (role === "button" && !EDITING.test(name.trim())) continue;
      // Fields a viewer may use without changing anything: filters, zoom, search, the
      // forecast's own settings.
      if (role !== "button") {
        const inForm = await control.evaluate((el) => {
          const form = el.closest("form");
          return form ? (form.getAttribute("method") || "get").toLowerCase() : null;
        });
        const label = await control.evaluate((el) => (el.labels && el.labels[0] ? el.labels[0].textContent : el.getAttribute("aria-label")) || "");
        if (inForm === "get" || inForm === null && /filter|search|zoom|show|assignee|iterations|seed|since/i.test(label)) continue;
        offered.push(`${role} "${label.trim()}"`);
        continue;
      }
      offered.push(`${role} "${name.trim()}"`);
    }
  }
  for (const selector of ['[draggable="true"]', '[contenteditable="true"]', 'input[type="file"]']) {
    const count = await main.locator(selector).count();
    if (count) offered.push(`${count} × ${selector}`);
  }
  return offered;
}

test("a viewer sees the project but cannot change it", async ({ server, browser }, t) => {
  const demoToken = admin(server, ["create-token", "demo"]);
  const viewer = createUser(server, "vera", "viewer password");

  // The owner invites them as a viewer on the Members page. The same checks as below find the
  // controls an owner gets, so they do look for the right things.
  const owner = await openPage(browser);
  try {
    await signIn(owner.page, server, "demo", "demo");
    await owner.page.goto(`${server.url}/projects/${DEMO.mobile}/members`);
    await owner.page.getByLabel("Username").fill("vera");
    await owner.page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await owner.page.getByRole("button", { name: "Invite" }).click();
    await owner.page.getByLabel("Role of vera").waitFor();
    assert.equal(await owner.page.getByLabel("Role of vera").inputValue(), "viewer");
    const members = await api(server, demoToken, "GET", `/projects/${DEMO.mobile}/members`);
    assert.ok(members.json.items.some((m) => m.user.name === "vera" && m.role === "viewer"), "vera is a viewer");
    assertNoProblems(owner.problems, "the owner's members page");
    await owner.page.goto(`${server.url}/projects/${DEMO.mobile}/tasks`);
    await owner.page.locator("#task-rows tr").first().waitFor();
    assert.ok((await editControls(owner.page)).length > 0, "the owner's task page has edit controls");
    await owner.page.goto(`${server.url}/projects/${DEMO.mobile}/timeline`);
    await owner.page.locator("#timeline .tl-movable").first().waitFor();
  } finally {
    await owner.context.close();
  }

  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page, server, "vera", "viewer password");
    // The portfolio lists only the project they were added to.
    await page.getByRole("heading", { name: "Portfolio" }).waitFor();
    const links = await page.locator("main a[href^='/projects/']").allInnerTexts();
    assert.deepEqual(links, ["Bean Rewards mobile app"]);

    for (const tab of ["tasks", "timeline", "board", "risks", "members", "resources", "transfer"]) {
      await t.test(`${tab}: no edit controls`, async () => {
        problems.length = 0;
        const response = await page.goto(`${server.url}/projects/${DEMO.mobile}/${tab}`);
        assert.equal(response.status(), 200);
        await page.waitForLoadState("networkidle");
        assert.equal(await page.locator("body").getAttribute("data-role"), "viewer");
        assert.equal(await page.locator("body").getAttribute("data-can-edit"), "false");
        if (tab === "transfer") {
          // Export is for everyone; importing makes a new project of the viewer's own, so the
          // page may offer it, but nothing on it changes this project.
          assertNoProblems(problems, tab);
          return;
        }
        assert.deepEqual(await editControls(page), [], `the ${tab} page offers a viewer nothing that edits`);
        const none = async (selector, what) => assert.equal(await page.locator(selector).count(), 0, what);
        if (tab === "tasks") {
          await page.locator("#task-rows tr").first().waitFor();
          await none("#task-rows td.editable", "no task cell is editable");
          await none('[role="toolbar"][aria-label="Task actions"]', "no task actions");
        } else if (tab === "board") {
          await page.locator("li.card").first().waitFor();
          await none("li.card .grip, li.card button[data-move], #wip-form", "no card can be moved, no WIP limits form");
          // A drag does nothing either: the card stays in its column.
          const card = page.locator("li.card").first();
          const status = await card.evaluate((el) => el.closest(".column").getAttribute("data-status"));
          const box = await card.boundingBox();
          const other = await page.locator(`section.column:not([data-status="${status}"])`).first().boundingBox();
          await page.mouse.move(box.x + box.width / 2, box.y + 10);
          await page.mouse.down();
          await page.mouse.move(other.x + other.width / 2, other.y + 40, { steps: 8 });
          await page.mouse.up();
          assert.equal(await card.evaluate((el) => el.closest(".column").getAttribute("data-status")), status);
        } else if (tab === "risks") {
          await none("#risk-add, #risk-form, button[data-edit], button[data-set-status]", "no risk can be added, edited or closed");
        } else if (tab === "members") {
          await none("#invite-form, select[data-role-select], button[data-remove]", "no invitation, role change or removal");
        } else if (tab === "resources") {
          await none("#level-button, #level-apply", "no levelling");
        } else if (tab === "timeline") {
          await page.locator("#timeline .tl-item").first().waitFor();
          await none("#timeline .tl-movable, #timeline .tl-handle", "no bar can be dragged");
          await none('#timeline .tl-item[role="button"]', "bars are pictures, not buttons");
          await none("#tl-dialog, #tl-undo", "no change form");
        }
        assertNoProblems(problems, tab);
      });
    }
  } finally {
    await context.close();
  }

  await t.test("the API refuses a viewer's changes", async () => {
    const project = `/projects/${DEMO.mobile}`;
    const tasks = await api(server, viewer.token, "GET", `${project}/tasks?limit=1`);
    assert.equal(tasks.status, 200, "a viewer reads the tasks");
    const task = tasks.json.items[0];
    const read = await api(server, viewer.token, "GET", `${project}/tasks/${task.id}`);
    const patch = await fetch(`${server.url}/api/v1${project}/tasks/${task.id}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${viewer.token}`, "Content-Type": "application/json", "If-Match": read.etag },
      body: JSON.stringify({ progress: 0.5 }),
    });
    assert.equal(patch.status, 403, "a viewer cannot report progress");
    const risk = await api(server, viewer.token, "POST", `${project}/risks`, { id: "viewer-risk", data: { title: "Mine", probability: 0.5 } });
    assert.equal(risk.status, 403, "a viewer cannot add a risk");
    const member = await api(server, viewer.token, "POST", `${project}/members`, { user: "demo", role: "viewer" });
    assert.equal(member.status, 403, "a viewer cannot change the members");
    const fields = await api(server, viewer.token, "GET", project);
    const put = await fetch(`${server.url}/api/v1${project}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${viewer.token}`, "Content-Type": "application/json", "If-Match": fields.etag },
      body: JSON.stringify({ fields: fields.json.fields }),
    });
    assert.equal(put.status, 403, "a viewer cannot change the project");
    const remove = await fetch(`${server.url}/api/v1${project}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${viewer.token}`, "If-Match": fields.etag },
    });
    assert.equal(remove.status, 403, "a viewer cannot delete the project");
    // Another project stays invisible: 404, as if it did not exist.
    const other = await api(server, viewer.token, "GET", `/projects/${DEMO.crm}`);
    assert.equal(other.status, 404);
  });
});
