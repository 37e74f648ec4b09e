// Importing a Microsoft Project XML (MSPDI) file with the "Import and export" page's form: it
// becomes a new project, whose tasks, links and critical path the pages show.
// The file is MPXJ's mspdirelations.xml from ../shared/data/projects (see SOURCE.md there):
// six tasks chained by one link of each type (FS, SS, FF, SF), Task 5 with a day of float.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { suite, openPage, signIn, assertNoProblems, sharedData, DEMO } from "../harness.mjs";

const test = suite({ demo: true });
const FILE = path.join(sharedData, "mspdi/mpxj/mspdirelations.xml");
const skip = existsSync(FILE) ? false : `${FILE} is absent (../shared is not beside the repository)`;

test("importing an MSPDI file makes a project with its tasks and critical path", { skip }, async ({ server, browser }) => {
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page, server, "demo", "demo");
    await page.goto(`${server.url}/projects/${DEMO.website}/transfer`);
    await page.getByLabel("Plan file or Microsoft Project XML").setInputFiles(FILE);
    await Promise.all([
      page.waitForURL((url) => /^\/projects\/\d+$/.test(url.pathname) && url.pathname !== `/projects/${DEMO.website}`),
      page.getByRole("button", { name: "Import", exact: true }).click(),
    ]);
    const project = Number(new URL(page.url()).pathname.split("/")[2]);
    assert.ok(project > 3, "a new project");
    await page.locator("h1").first().waitFor();

    // The tasks page lists the file's tasks.
    await page.goto(`${server.url}/projects/${project}/tasks`);
    await page.locator("#task-rows tr").first().waitFor();
    const names = await page.locator("#task-rows td.c-name .name").allInnerTexts();
    for (const name of ["Task 1", "Task 2", "Task 3", "Task 4", "Task 5"]) {
      assert.ok(names.includes(name), `${name} is imported (${names.join(", ")})`);
    }

    // The timeline: Tasks 1-4 critical, Task 5 (a day of float) not.
    await page.goto(`${server.url}/projects/${project}/timeline`);
    await page.locator("#timeline .tl-item").first().waitFor();
    const criticalNames = await page.locator("#timeline .tl-item.tl-critical:not(.tl-summary)").evaluateAll(
      (items) => items.map((item) => item.getAttribute("aria-label").split(":")[0]),
    );
    assert.deepEqual(criticalNames.sort(), ["Task 1", "Task 2", "Task 3", "Task 4"]);

    // And it exports back as Microsoft Project XML.
    await page.goto(`${server.url}/projects/${project}/transfer`);
    const link = page.getByRole("link", { name: "Download as Microsoft Project XML" });
    const exported = await page.request.get(new URL(await link.getAttribute("href"), server.url).href);
    assert.equal(exported.status(), 200);
    const xml = await exported.text();
    assert.match(xml, /<Project[\s>]/);
    assert.match(xml, /<Name>Task 5<\/Name>/);
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
