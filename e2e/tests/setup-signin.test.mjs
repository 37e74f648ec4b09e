// First run: the one-time setup link creates the first administrator; then sign out and sign
// in again with the form.

import assert from "node:assert/strict";
import { suite, openPage, signIn, assertNoProblems, unlabelledControls } from "../harness.mjs";

const test = suite({ demo: false });

test("first-run setup creates the administrator, who signs out and signs in again", async ({ server, browser }) => {
  assert.ok(server.setupUrl, "the server printed a setup link on an empty database");
  const { context, page, problems } = await openPage(browser);
  try {
    // Before setup, pages send a visitor to the sign-in page.
    await page.goto(`${server.url}/`);
    assert.match(new URL(page.url()).pathname, /^\/(signin|setup)/);

    await page.goto(server.setupUrl);
    assert.deepEqual(await unlabelledControls(page), [], "every control of the setup page has a label");
    await page.getByLabel("Username").fill("ada");
    await page.getByLabel(/^Password/).fill("correct horse battery");
    await page.getByRole("button").filter({ hasNotText: "Sign out" }).last().click();
    await page.waitForLoadState("load");

    // The setup page either signs the administrator in or sends them to sign in.
    if ((await page.getByRole("button", { name: "Sign out" }).count()) === 0) {
      await signIn(page, server, "ada", "correct horse battery");
    }
    await page.goto(`${server.url}/`);
    await page.getByRole("heading", { name: "Portfolio" }).waitFor();

    // The setup link works once.
    const again = await page.request.get(server.setupUrl);
    const setupAgain = await fetch(`${server.url}/api/v1/setup`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: new URL(server.setupUrl).searchParams.get("token"), name: "eve", password: "another password" }),
    });
    assert.equal(setupAgain.status, 404, "the setup secret is spent");
    assert.ok(again.status() < 500);

    // Sign out, then sign in with the "Sign in" button.
    await Promise.all([
      page.waitForURL(/\/signin/),
      page.getByRole("button", { name: "Sign out" }).click(),
    ]);
    await page.goto(`${server.url}/`);
    assert.match(page.url(), /\/signin/, "signed out: the portfolio sends back to sign-in");

    // A wrong password is refused with a message, next to the form.
    await page.getByLabel("Username").fill("ada");
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    assert.match(await page.getByRole("alert").innerText(), /wrong password/i);
    assert.deepEqual(await unlabelledControls(page), [], "every control of the sign-in page has a label");
    // The refused sign-in answers 401: Chromium logs that as a failed resource, which is the
    // answer the form is meant to get, not a fault of the page.
    problems.splice(0, problems.length, ...problems.filter((p) => !/status of 401/.test(p)));

    await signIn(page, server, "ada", "correct horse battery");
    await page.getByRole("heading", { name: "Portfolio" }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Sign out" }).count(), 1);
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
