// Every page of the demo, at a desktop width (1280 px) and a phone width (390 px): no console
// error, no uncaught exception, no failed request; no horizontal overflow of the document at
// 390 px (elements meant to scroll, like a wide table or the Gantt chart inside its own
// scroller, may); every form control has an accessible name; the Content-Security-Policy
// allows no inline script.

import assert from "node:assert/strict";
import {
  suite, openPage, signIn, assertNoProblems, unlabelledControls, horizontalOverflow,
  DESKTOP, PHONE, DEMO,
} from "../harness.mjs";

const test = suite({ demo: true });

const TABS = [
  ["overview", ""],
  ["tasks", "/tasks"],
  ["timeline", "/timeline"],
  ["board", "/board"],
  ["resources", "/resources"],
  ["risks", "/risks"],
  ["forecast", "/forecast"],
  ["members", "/members"],
  ["import and export", "/transfer"],
];

function pagesOf(project) {
  return [
    ["portfolio", "/"],
    ["account", "/account"],
    ...TABS.map(([name, suffix]) => [name, `/projects/${project}${suffix}`]),
  ];
}

for (const [label, viewport] of [["1280 px", DESKTOP], ["390 px", PHONE]]) {
  test(`every page of the mobile app demo project at ${label}`, async ({ server, browser }, t) => {
    const { context, page, problems } = await openPage(browser, viewport);
    try {
      await signIn(page, server, "demo", "demo");
      for (const [name, route] of pagesOf(DEMO.mobile)) {
        await t.test(`${name} (${route})`, async () => {
          problems.length = 0;
          const response = await page.goto(`${server.url}${route}`);
          assert.equal(response.status(), 200, `${route} answers 200`);
          const csp = response.headers()["content-security-policy"] || "";
          assert.match(csp, /script-src 'self'/, "a Content-Security-Policy limits scripts to the server's own");
          assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, "the CSP allows no inline script");
          await page.waitForLoadState("load");
          // Let the page's own script run its first rendering and requests.
          await page.waitForLoadState("networkidle");
          assert.ok(await page.locator("h1").count() >= 1, "the page has a heading");
          assert.deepEqual(await unlabelledControls(page), [], `every control of ${route} has an accessible name`);
          if (viewport.width < 600) {
            assert.equal(await horizontalOverflow(page), null, `${route} fits a ${viewport.width} px window`);
          }
          assertNoProblems(problems, route);
        });
      }
    } finally {
      await context.close();
    }
  });
}

test("the other demo projects' overview, timeline and forecast at 1280 px", async ({ server, browser }, t) => {
  const { context, page, problems } = await openPage(browser, DESKTOP);
  try {
    await signIn(page, server, "demo", "demo");
    for (const project of [DEMO.website, DEMO.crm]) {
      for (const suffix of ["", "/timeline", "/forecast"]) {
        const route = `/projects/${project}${suffix}`;
        await t.test(route, async () => {
          problems.length = 0;
          const response = await page.goto(`${server.url}${route}`);
          assert.equal(response.status(), 200);
          await page.waitForLoadState("networkidle");
          assertNoProblems(problems, route);
        });
      }
    }
  } finally {
    await context.close();
  }
});

test("sign-in works by keyboard alone", async ({ server, browser }) => {
  const { context, page, problems } = await openPage(browser, DESKTOP);
  try {
    await page.goto(`${server.url}/signin`);
    // Tab from the top of the page to the username field, type, tab to the password, Enter.
    await page.locator("body").focus();
    for (let i = 0; i < 10; i++) {
      const focused = await page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute("name"));
      if (focused === "name") break;
      await page.keyboard.press("Tab");
    }
    await page.keyboard.type("demo");
    await page.keyboard.press("Tab");
    await page.keyboard.type("demo");
    await Promise.all([page.waitForURL(`${server.url}/`), page.keyboard.press("Enter")]);
    await page.getByRole("heading", { name: "Portfolio" }).waitFor();
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
