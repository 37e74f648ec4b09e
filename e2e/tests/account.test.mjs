// The account page: an API token is created, shown once, works with the API, and is revoked;
// a password change is checked next to its fields.

import assert from "node:assert/strict";
import { suite, openPage, signIn, assertNoProblems } from "../harness.mjs";

const test = suite({ demo: true });

test("an API token made on the account page works until it is revoked", async ({ server, browser }) => {
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page, server, "demo", "demo");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
    await page.getByRole("heading", { name: "Account", level: 1 }).waitFor();

    await page.getByLabel("Token name").fill("laptop");
    await page.getByLabel("Expires in (days)").fill("30");
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = page.getByLabel("Your token");
    await secret.waitFor();
    const token = await secret.inputValue();
    assert.match(token, /^wmt_/, "the secret is shown once");

    const projects = await fetch(`${server.url}/api/v1/projects`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(projects.status, 200, "the token signs API requests in");

    await page.getByRole("button", { name: "Revoke token laptop" }).click();
    await page.locator("#tokens tr", { hasText: "laptop" }).filter({ hasText: "revoked" }).first().waitFor();
    const refused = await fetch(`${server.url}/api/v1/projects`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(refused.status, 401, "a revoked token is refused");

    // Password fields that disagree are refused next to the field, before anything is sent.
    await page.getByLabel("Current password").fill("demo");
    await page.getByLabel("New password", { exact: true }).fill("a new password");
    await page.getByLabel("Repeat new password").fill("another password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.locator("#repeat-password-error").filter({ hasText: /\S/ }).waitFor();
    assert.equal(await page.getByLabel("Repeat new password").getAttribute("aria-invalid"), "true");
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
