// The checks every page of the demo gets, at one window width: no console error, no uncaught
// exception, no failed request; no horizontal overflow of the document at a phone's width
// (elements meant to scroll, like a wide table or the Gantt chart inside its own scroller,
// may); every form control has an accessible name; ids are unique and labels and ARIA
// attributes name elements that exist; the Content-Security-Policy allows no inline script. tests/pages-1280.test.mjs and tests/pages-390.test.mjs run them, one server each.

import assert from "node:assert/strict";
import {
  suite, openPage, signIn, assertNoProblems, unlabelledControls, horizontalOverflow, DEMO,
} from "./harness.mjs";


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

/** Duplicate ids, and labels or ARIA attributes that name an id the page does not have. */
async function brokenReferences(page) {
  return page.evaluate(() => {
    const problems = [];
    const seen = {};
    for (const el of document.querySelectorAll("[id]")) seen[el.id] = (seen[el.id] || 0) + 1;
    for (const [id, n] of Object.entries(seen)) if (n > 1) problems.push(`id "${id}" ${n} times`);
    for (const el of document.querySelectorAll("[aria-labelledby], [aria-describedby], [aria-controls], label[for]")) {
      for (const attribute of ["aria-labelledby", "aria-describedby", "aria-controls", "for"]) {
        for (const id of (el.getAttribute(attribute) || "").split(/\s+/).filter(Boolean)) {
          if (!document.getElementById(id)) problems.push(`${attribute}="${id}" names no element`);
        }
      }
    }
    return [...new Set(problems)];
  });
}

/** Opens a page and checks it; `t` names the page in the report. */
export async function checkPage(t, page, problems, server, viewport, name, route) {
  await t.test(`${name} (${route})`, async () => {
    problems.length = 0;
    const response = await page.goto(`${server.url}${route}`);
    assert.equal(response.status(), 200, `${route} answers 200`);
    const csp = response.headers()["content-security-policy"] || "";
    assert.match(csp, /script-src 'self'/, "a Content-Security-Policy limits scripts to the server's own");
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, "the CSP allows no inline script");
    // Let the page's own script run its first rendering and requests.
    await page.waitForLoadState("networkidle");
    assert.ok(await page.locator("h1").count() >= 1, "the page has a heading");
    assert.deepEqual(await unlabelledControls(page), [], `every control of ${route} has an accessible name`);
    assert.deepEqual(await brokenReferences(page), [], `${route}: ids are unique and ARIA references resolve`);
    if (viewport.width < 600) {
      assert.equal(await horizontalOverflow(page), null, `${route} fits a ${viewport.width} px window`);
    }
    assertNoProblems(problems, route);
  });
}

/** Registers the tests of every demo page at one width; returns the file's `test`. */
export function everyPage(label, viewport) {
  const test = suite({ demo: true });
  test(`the portfolio, the account and every page of the mobile app project at ${label}`, async ({ server, browser }, t) => {
    const { context, page, problems } = await openPage(browser, viewport);
    try {
      await signIn(page, server, "demo", "demo");
      await checkPage(t, page, problems, server, viewport, "portfolio", "/");
      await checkPage(t, page, problems, server, viewport, "account", "/account");
      for (const [name, suffix] of TABS) {
        await checkPage(t, page, problems, server, viewport, name, `/projects/${DEMO.mobile}${suffix}`);
      }
    } finally {
      await context.close();
    }
  });

  test(`every page of the website and CRM projects at ${label}`, async ({ server, browser }, t) => {
    const { context, page, problems } = await openPage(browser, viewport);
    try {
      await signIn(page, server, "demo", "demo");
      for (const project of [DEMO.website, DEMO.crm]) {
        for (const [name, suffix] of TABS) {
          await checkPage(t, page, problems, server, viewport, name, `/projects/${project}${suffix}`);
        }
      }
    } finally {
      await context.close();
    }
  });
  return test;
}
