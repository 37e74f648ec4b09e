// The risk register: a manager adds a risk with the form (labelled fields, errors next to the
// field), it shows in the register with its impact from the forecast and in the heat map, is
// edited, and closed.

import assert from "node:assert/strict";
import { suite, openPage, signIn, assertNoProblems, admin, api, DEMO } from "../harness.mjs";

const test = suite({ demo: true });

test("adding, editing and closing a risk", async ({ server, browser }) => {
  const token = admin(server, ["create-token", "demo"]);
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page, server, "demo", "demo");
    await page.goto(`${server.url}/projects/${DEMO.mobile}/risks`);
    await page.getByRole("heading", { name: "Heat map" }).waitFor();
    const rowsBefore = await page.locator("#risk-register tbody tr").count();

    await page.getByRole("button", { name: "Add risk" }).click();
    const form = page.locator("#risk-form");
    await form.waitFor();
    // An empty title is refused next to the field, before anything is sent.
    await form.getByRole("button", { name: "Save risk" }).click();
    await page.locator("#risk-title-error").filter({ hasText: /\S/ }).waitFor();

    await page.getByLabel("Title").fill("Lead developer leaves");
    await page.getByLabel("Probability (%)").fill("30");
    const tasks = page.getByLabel("Affected tasks");
    const options = await tasks.locator("option").evaluateAll((list) => list.slice(5, 7).map((o) => o.value));
    await tasks.selectOption(options);
    await page.getByLabel("Delay, optimistic").fill("2d");
    await page.getByLabel("Delay, most likely").fill("5d");
    await page.getByLabel("Delay, pessimistic").fill("10d");
    const owner = await page.getByLabel("Owner").locator("option").nth(1).getAttribute("value");
    await page.getByLabel("Owner").selectOption(owner);
    await page.getByLabel("Response").selectOption("mitigate");
    await Promise.all([page.waitForEvent("load"), form.getByRole("button", { name: "Save risk" }).click()]);

    // After the reload: the new row with its impact, owner and response, and the heat map holds it.
    const row = page.locator("#risk-register tbody tr", { hasText: "Lead developer leaves" });
    await row.waitFor();
    assert.equal(await page.locator("#risk-register tbody tr").count(), rowsBefore + 1);
    assert.match(await row.locator('td[data-label="Probability"]').innerText(), /30 %/);
    assert.match(await row.locator('td[data-label="Impact"]').innerText(), /days? at P80|unknown/);
    assert.match(await row.locator('td[data-label="Response"]').innerText(), /mitigate/i);
    const id = await row.getAttribute("data-risk");
    assert.equal(await page.locator(`.heat-cell li[data-risk="${id}"]`).count(), 1, "the heat map shows the open risk");
    const stored = await api(server, token, "GET", `/projects/${DEMO.mobile}/risks/${id}`);
    assert.equal(stored.status, 200);
    assert.deepEqual(stored.json.data.tasks?.sort?.() ?? stored.json.data.tasks, options.sort());

    // Edit: a higher probability.
    await row.getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("Title").waitFor();
    assert.equal(await page.getByLabel("Title").inputValue(), "Lead developer leaves", "the form holds the risk");
    await page.getByLabel("Probability (%)").fill("60");
    await Promise.all([page.waitForEvent("load"), form.getByRole("button", { name: "Save risk" }).click()]);
    await page.locator("#risk-register tbody tr", { hasText: "Lead developer leaves" }).locator('td[data-label="Probability"]', { hasText: "60 %" }).waitFor();

    // Close: it stays in the register, marked closed, and leaves the heat map.
    await Promise.all([
      page.waitForEvent("load"),
      page.locator(`#risk-register tr[data-risk="${id}"]`).getByRole("button", { name: "Close" }).click(),
    ]);
    const closed = page.locator(`#risk-register tr[data-risk="${id}"]`);
    await closed.waitFor();
    assert.match(await closed.getAttribute("class") || "", /closed/);
    assert.equal(await page.locator(`.heat-cell li[data-risk="${id}"]`).count(), 0, "a closed risk is not in the heat map");
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
