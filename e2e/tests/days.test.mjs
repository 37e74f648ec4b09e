// The browser's working-days rule (`Waymark.days` in static/waymark.js) against the table that
// also holds the Rust rule (`waymark_core::days`, crates/waymark-core/src/days.json): the drag
// tip on the timeline and the server's pages write the same days for the same minutes. No
// browser or server: waymark.js runs in a bare context with a stub document.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const root = fileURLToPath(new URL("../../", import.meta.url));
const cases = JSON.parse(readFileSync(root + "crates/waymark-core/src/days.json", "utf8"));

function waymark() {
  const document = { addEventListener() {}, getElementById() { return null; } };
  const context = { document, window: {} };
  vm.runInNewContext(readFileSync(root + "crates/waymark-web/static/waymark.js", "utf8"), context);
  return context.window.Waymark;
}

test("Waymark.days and Waymark.daysText follow the table the Rust rule follows", () => {
  const { days, daysText } = waymark();
  assert.ok(cases.length >= 20);
  for (const [minutes, perDay, number, text] of cases) {
    assert.equal(days(minutes, perDay), number, `${minutes} min at ${perDay}/day`);
    assert.equal(daysText(minutes, perDay), text, `${minutes} min at ${perDay}/day`);
  }
});
