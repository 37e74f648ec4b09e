// Resources: the allocation heat map marks over-allocations, and "Level" shows the levelled
// schedule with its reasons before anything changes; "Apply" then writes it.

import assert from "node:assert/strict";
import { suite, openPage, signIn, assertNoProblems, admin, api, DEMO } from "../harness.mjs";

const test = suite({ demo: true });

test("the heat map, a Level preview with reasons, and applying it", async ({ server, browser }, t) => {
  const token = admin(server, ["create-token", "demo"]);
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page, server, "demo", "demo");
    await page.goto(`${server.url}/projects/${DEMO.mobile}/resources`);
    const heatmap = page.locator("table#heatmap");
    await heatmap.waitFor();
    const cells = await heatmap.locator("td[aria-label]").count();
    assert.ok(cells > 10, `the heat map has cells (${cells})`);
    const over = await heatmap.locator('td[data-over="true"]').count();
    t.diagnostic(`${over} over-allocated cells`);

    const eventsBefore = await api(server, token, "GET", `/projects/${DEMO.mobile}/events?limit=500`);
    await page.getByRole("button", { name: "Level", exact: true }).click();
    const preview = page.getByRole("heading", { name: "Levelled schedule (preview)" });
    await preview.waitFor({ timeout: 60_000 });
    // Nothing is written by the preview.
    const eventsDuring = await api(server, token, "GET", `/projects/${DEMO.mobile}/events?limit=500`);
    assert.equal(eventsDuring.json.items.length, eventsBefore.json.items.length, "the preview changes nothing");
    await page.locator("table#heatmap-after").waitFor();
    const moves = page.locator("table#level-moves tbody tr");
    if (over > 0) {
      assert.ok(await moves.count() > 0, "levelling an over-allocated plan moves tasks");
      const why = (await moves.first().locator('td[data-label="Why"]').innerText()).trim();
      assert.ok(why.length > 5, `each move says why (${why})`);
      await page.getByRole("button", { name: "Apply" }).click();
      await page.locator("#level-status").filter({ hasText: /Levelling applied/ }).waitFor({ timeout: 60_000 });
      const after = await api(server, token, "GET", `/projects/${DEMO.mobile}/events?limit=500`);
      assert.ok(after.json.items.length > eventsBefore.json.items.length, "applying writes the levelled starts");
    } else {
      await page.getByRole("button", { name: "Cancel" }).first().click();
      await preview.waitFor({ state: "detached" });
    }
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
