// Every page of the demo at 1280 px (see ../pages.mjs), and sign-in by keyboard alone.

import { everyPage } from "../pages.mjs";
import { openPage, assertNoProblems, DESKTOP } from "../harness.mjs";

const test = everyPage("1280 px", DESKTOP);

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
