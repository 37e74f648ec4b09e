// Running a forecast: from a project's overview to its forecast page, which shows the chart
// (histogram and S-curve) and the P-dates of the finish.

import assert from "node:assert/strict";
import { suite, openPage, signIn, assertNoProblems, DEMO } from "../harness.mjs";

const test = suite({ demo: true });

test("the forecast page shows the chart and the P-dates", async ({ server, browser }) => {
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page, server, "demo", "demo");
    await page.getByRole("link", { name: "Northwind Foods CRM roll-out" }).click();
    await page.waitForURL(`${server.url}/projects/${DEMO.crm}`);
    await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Forecast" }).click();
    await page.waitForURL(`${server.url}/projects/${DEMO.crm}/forecast`);

    // The chart: one SVG with bars (the histogram) and a line (the S-curve).
    const chart = page.locator("main svg").first();
    await chart.waitFor();
    const box = await chart.boundingBox();
    assert.ok(box && box.width > 200 && box.height > 100, `the chart is drawn (${JSON.stringify(box)})`);
    assert.ok(await chart.locator("rect").count() > 5, "the histogram has bars");
    assert.ok(await chart.locator("path, polyline").count() >= 1, "the S-curve is drawn");

    // The P-dates: P10 <= P50 <= P80 <= P90 <= P95, each a date.
    const dates = [];
    for (const p of ["P10", "P50", "P80", "P90", "P95"]) {
      const text = (await page.locator(`td[data-label="${p}"]`).first().innerText()).trim();
      assert.match(text, /^\d{4}-\d{2}-\d{2}$/, `${p} is a date`);
      dates.push(text);
    }
    assert.deepEqual([...dates].sort(), dates, "the P-dates are in order");

    // The deadline's chance and the tasks by criticality.
    assert.match(await page.locator("main").innerText(), /\d+ % chance of meeting it/);
    assert.ok(await page.locator('td[data-label="Criticality"]').count() > 0);
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
