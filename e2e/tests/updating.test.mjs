// Figures being computed: on a server whose pages never wait for them (`--page-wait 0`), a
// project's first views answer at once with a note that they are being computed, and each page
// reloads itself with the figures when the server says they are ready.

import assert from "node:assert/strict";
import { suite, openPage, signIn, assertNoProblems, DEMO } from "../harness.mjs";

const test = suite({ demo: true, pageWait: 0 });

// First: the portfolio is where signing in lands, before any project's figures exist.
test("the portfolio fills in every project's forecast", async ({ server, browser }) => {
  const { context, page, problems } = await openPage(browser);
  try {
    // Signing in lands on the portfolio, the server's first view of any project.
    const landed = page.waitForResponse((answer) => answer.url() === server.url + "/");
    await signIn(page, server, "demo", "demo");
    const html = await (await landed).text();
    assert.match(html, /id="updating"/, "the first view says the forecasts are being computed");
    assert.match(html, /Computing…/);
    await page.locator('td[data-label="Finish P50"]').nth(2).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator("#updating").count(), 0);
    assert.equal(await page.getByText("Computing…").count(), 0);
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});

for (const [name, path, shown] of [
  ["forecast", `/projects/${DEMO.crm}/forecast`, "main svg"],
  ["overview", `/projects/${DEMO.mobile}`, "#milestones"],
  ["risks", `/projects/${DEMO.website}/risks`, "main table"],
]) {
  test(`the ${name} page shows its figures once they are computed`, async ({ server, browser }) => {
    const { context, page, problems } = await openPage(browser);
    try {
      await signIn(page, server, "demo", "demo");
      const first = await page.goto(server.url + path);
      const html = await first.text();
      assert.match(html, /id="updating"/, "the first view says the figures are being computed");
      assert.match(html, /data-ready="\/projects\/\d+\/ready\?panel=\w+"/);
      // The page reloads itself with the figures.
      await page.locator(shown).first().waitFor({ timeout: 60_000 });
      assert.equal(await page.locator("#updating").count(), 0, "no note once the figures are shown");
      assertNoProblems(problems);
    } finally {
      await context.close();
    }
  });
}

