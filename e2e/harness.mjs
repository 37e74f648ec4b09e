// The harness of the browser tests: starts a real `waymark serve` on a fresh SQLite database in
// a temporary folder, launches Debian's Chromium through playwright-core, and collects what a
// page must never show (console errors, uncaught exceptions, failed requests).
//
// It builds nothing: it runs the binary at WAYMARK_BIN (default target/debug/waymark at the
// repository root; `cargo build -p waymark` makes it) and Chromium at CHROMIUM (default
// /usr/bin/chromium; `apt-get install -y chromium`).

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { before, after, test as nodeTest } from "node:test";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "..");
// Relative to the current folder, as a shell user means it (the server runs in a temporary one).
export const waymarkBin = path.resolve(process.env.WAYMARK_BIN || path.join(repoRoot, "target/debug/waymark"));
export const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
export const sharedData = path.resolve(repoRoot, "../shared/data/projects");

/** The project ids of `serve --demo`, in the order the demo loads them. */
export const DEMO = { website: 1, mobile: 2, crm: 3 };

const START_TIMEOUT_MS = 60_000;

// Servers still running when this process exits (a crash, a cancelled run) are killed with it.
const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Starts `waymark serve` on a fresh SQLite database and a free port (`--listen 127.0.0.1:0`;
 * the server prints the address it got). With `demo: true` it loads the demo projects and the
 * user demo/demo; without, the database is empty and the one-time setup link is read from the
 * server's output. Resolves when /healthz answers 200; rejects with the server's log otherwise.
 * Pages wait for their figures (`--page-wait`, milliseconds) as long as `pageWait` says: by
 * default ten minutes, so that what a page shows does not depend on how fast this build
 * computes forecasts; `pageWait: 0` shows the updating flow (figures being computed, then the
 * page reloading itself).
 */
export async function startServer({ demo = false, pageWait = 600000 } = {}) {
  if (!existsSync(waymarkBin)) {
    throw new Error(`no waymark binary at ${waymarkBin}: run \`cargo build -p waymark\` first, or set WAYMARK_BIN`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), "waymark-e2e-"));
  const database = path.join(dir, "waymark.db");
  const args = ["serve", "--database", database, "--listen", "127.0.0.1:0", "--page-wait", String(pageWait)];
  if (demo) args.push("--demo");
  const child = spawn(waymarkBin, args, {
    cwd: dir,
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.on("exit", () => running.delete(child));
  let log = "";
  let exited = null;
  const output = new Promise((resolve, reject) => {
    const seen = () => {
      const listening = log.match(/listening on (http:\/\/[0-9.:\[\]]+)\//);
      const setup = log.match(/(http:\/\/\S+\/setup\?token=[0-9A-Za-z_-]+)/);
      if (listening && (demo || setup)) resolve({ url: listening[1], setupUrl: setup ? setup[1] : null });
    };
    child.stdout.on("data", (chunk) => { log += chunk; seen(); });
    child.stderr.on("data", (chunk) => { log += chunk; seen(); });
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      reject(new Error(`waymark serve exited (${code ?? signal}) before it was ready`));
    });
    child.on("error", (error) => {
      exited = { error };
      reject(error);
    });
  });
  const server = {
    dir,
    database,
    process: child,
    log: () => log,
    async stop() {
      if (exited === null) {
        const gone = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    const { url, setupUrl } = await withTimeout(output, START_TIMEOUT_MS, "the server's address");
    server.url = url;
    server.setupUrl = setupUrl;
    await waitForHealth(url, () => exited);
  } catch (error) {
    await server.stop();
    throw new Error(`${error.message}\n--- server log ---\n${log}`);
  }
  return server;
}

async function waitForHealth(url, exited) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (exited()) throw new Error("waymark serve exited while starting");
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.status === 200) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = error.message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`/healthz did not answer 200 in time (${last})`);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Runs `waymark admin ...` on the server's database (SQLite in WAL mode lets the CLI and the
 * running server share it). Returns stdout, trimmed; throws with stderr on failure.
 */
export function admin(server, args, input) {
  const result = spawnSync(waymarkBin, ["admin", ...args, "--database", server.database], {
    input: input ?? "",
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`waymark admin ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  }
  return result.stdout.trim();
}

/** A user made with `waymark admin create-user` and an API token of theirs. */
export function createUser(server, name, password, { isAdmin = false } = {}) {
  admin(server, ["create-user", name, ...(isAdmin ? ["--admin"] : [])], `${password}\n`);
  return { name, password, token: admin(server, ["create-token", name]) };
}

/**
 * Calls the JSON API with a bearer token; resolves to {status, json, etag}.
 */
export async function api(server, token, method, route, body) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${token}` };
  const init = { method, headers };
  if (body !== undefined) {
    if (typeof body === "string") {
      init.body = body;
    } else {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
  }
  const response = await fetch(`${server.url}/api/v1${route}`, init);
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: response.status, json, text, etag: response.headers.get("etag") };
}

/** Launches Debian's Chromium headless with the flags CI needs. */
export async function launchBrowser() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: \`apt-get install -y chromium\`, or set CHROMIUM`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/**
 * A new browser context and page at the given viewport, with a list of the problems the page
 * shows: console errors, uncaught exceptions and failed requests (refused or aborted; an HTTP
 * error status shows up as Chromium's console error "Failed to load resource").
 */
export async function openPage(browser, viewport = DESKTOP, options = {}) {
  // Not `isMobile`: Chromium's mobile emulation zooms out to fit a too-wide document, which
  // would hide the overflow the phone-width check looks for. `options` go to the context
  // (e.g. `hasTouch: true` for a touch screen).
  const context = await browser.newContext({ viewport, ...options });
  // The debug server computes the forecast page (10,000 iterations) in seconds, more while
  // the machine is busy: navigations get a minute, everything else 15 s.
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(60_000);
  const page = await context.newPage();
  const problems = [];
  page.on("console", (message) => {
    if (message.type() === "error") {
      problems.push(`console error on ${page.url()}: ${message.text()} (${message.location().url || "?"})`);
    }
  });
  page.on("pageerror", (error) => problems.push(`uncaught exception on ${page.url()}: ${error.message}`));
  page.on("requestfailed", (request) => {
    const failure = request.failure()?.errorText || "failed";
    // A navigation that replaces the page aborts its pending requests, among them a page's
    // wait for its figures (`/ready`); that is not a fault.
    if (failure === "net::ERR_ABORTED" && (request.isNavigationRequest() || /\/ready\?panel=/.test(request.url()))) return;
    problems.push(`request failed on ${page.url()}: ${request.method()} ${request.url()} (${failure})`);
  });
  page.on("dialog", (dialog) => dialog.accept());
  return { context, page, problems };
}

/** Signs in with the form: the fields "Username" and "Password" and the "Sign in" button. */
export async function signIn(page, server, name, password) {
  await page.goto(`${server.url}/signin`);
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Password", { exact: false }).first().fill(password);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith("/signin")),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
}

/**
 * The form controls of the page that have no accessible name, as Chromium's accessibility tree
 * computes it (labels, aria-label, aria-labelledby, title, a button's text), described by tag,
 * id, name and class.
 */
export async function unlabelledControls(page) {
  const session = await page.context().newCDPSession(page);
  try {
    await session.send("DOM.getDocument", { depth: -1 });
    const { nodes } = await session.send("Accessibility.getFullAXTree");
    const roles = new Set([
      "textbox", "searchbox", "combobox", "listbox", "checkbox", "radio", "spinbutton",
      "slider", "switch", "button", "menuitem", "tab", "option",
    ]);
    const missing = [];
    for (const node of nodes) {
      if (node.ignored) continue;
      const role = node.role?.value;
      if (!roles.has(role)) continue;
      const name = (node.name?.value || "").trim();
      if (name) continue;
      let description = `${role}`;
      if (node.backendDOMNodeId) {
        try {
          const { node: dom } = await session.send("DOM.describeNode", { backendNodeId: node.backendDOMNodeId });
          const attributes = {};
          for (let i = 0; i + 1 < (dom.attributes || []).length; i += 2) attributes[dom.attributes[i]] = dom.attributes[i + 1];
          description = `<${dom.localName}${["id", "name", "type", "class"].filter((a) => attributes[a]).map((a) => ` ${a}="${attributes[a]}"`).join("")}> (role ${role})`;
        } catch {
          // The node went away; the role alone describes it.
        }
      }
      missing.push(description);
    }
    return missing;
  } finally {
    await session.detach();
  }
}

/**
 * Whether the document is wider than the window (horizontal overflow of the page itself;
 * elements meant to scroll inside themselves do not count). Returns a description with the
 * widest offending elements, or null.
 */
export async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const doc = document.documentElement;
    if (doc.scrollWidth <= window.innerWidth + 1) return null;
    // Name the elements that stick out past the window and are not inside a scroller.
    const scrolls = (el) => {
      for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
        const style = getComputedStyle(e);
        if (/(auto|scroll|hidden|clip)/.test(style.overflowX)) return true;
      }
      return false;
    };
    const culprits = [];
    for (const el of document.body.querySelectorAll("*")) {
      const rect = el.getBoundingClientRect();
      if (rect.right > window.innerWidth + 1 && !scrolls(el)) {
        culprits.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.classList.length ? "." + [...el.classList].join(".") : ""} (right edge ${Math.round(rect.right)} px)`);
      }
    }
    return `document ${doc.scrollWidth} px wide in a ${window.innerWidth} px window; sticking out: ${culprits.slice(0, 6).join(", ") || "?"}`;
  });
}

/** Fails with every problem the page showed, one a line. */
export function assertNoProblems(problems, what = "the page") {
  if (problems.length) {
    throw new Error(`${what} showed ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  }
}

/**
 * Sets up a test file: one server on a fresh database (`demo` or first-run) and one Chromium
 * for all its tests, stopped at the end. Returns `test(name, body)`, which runs `body(ctx)` with
 * `ctx.server` and `ctx.browser` and adds the end of the server's log to a failure.
 */
export function suite({ demo = false, pageWait } = {}) {
  const ctx = {};
  before(async () => {
    ctx.server = await startServer({ demo, pageWait });
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  return (name, options, body) => {
    if (typeof options === "function") [options, body] = [{}, options];
    return nodeTest(name, { timeout: 240_000, ...options }, async (t) => {
      try {
        await body(ctx, t);
      } catch (error) {
        const log = ctx.server ? ctx.server.log().split("\n").slice(-40).join("\n") : "(no server)";
        error.message += `\n--- end of the server log ---\n${log}`;
        throw error;
      }
    });
  };
}
