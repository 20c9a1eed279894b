import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VENDOR_MODULES, vendorImportMap, vendorPath } from "../../src/server/admin/vendor-modules.ts";
import {
  type FakePlaceholderApi,
  startFakePlaceholderApi,
} from "../connectors/builtin/fake-placeholder-api.ts";
import {
  adminWebFile,
  expectAdminFiles,
  expectAdminNav,
  expectAdminPageMethods,
} from "../support/admin-page-checks.ts";
import { useKeyFromKeyboard } from "../support/connector-pages.ts";
import {
  CHROMIUM,
  expectFitsNarrowScreen,
  expectNoSeriousAxeViolations,
  launchChromium,
  noChromium,
  openConsolePage,
  screenshot,
  useKey,
} from "../support/console-browser.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The console's build page (/admin/build) in headless Chromium, 420 px wide, against a real server and a
// fake CRM on loopback that the script calls: a script connector written in the form and the editor
// (partly from the keyboard), saved, run on a connection (payload, variables; a failure's diagnostics),
// changed with the version bump shown before the save, and loaded again; a built-in connector's command
// run on a connection from one of its mock scenarios, with no request to its (fake, loopback) API.

const SCRIPT = `function listContacts() {
  var r = patchbay.http.get(patchbay.config.baseUrl + "/contacts?limit=" + patchbay.params.limit, { Authorization: "Bearer " + patchbay.config.apiKey });
  patchbay.log.info("listed contacts", { status: r.status });
  if (r.status >= 400) return { success: false, error: "the CRM answered " + r.status, diagnostics: { statusCode: r.status } };
  return { success: true, payload: { contacts: r.body.contacts, total: r.body.contacts.length }, variables: { lastCount: r.body.contacts.length } };
}
`;
const CRM_KEY = "crm-key-4f1d";
const PLACEHOLDER_KEY = "ph-key-9c2e";

/** The fake CRM: GET /contacts answers two contacts (or `failWith`), and keeps what it was sent. */
interface FakeCrm {
  url: string;
  seen: { url: string; authorization: string }[];
  failWith: number;
  close(): Promise<void>;
}

async function startFakeCrm(): Promise<FakeCrm> {
  const crm: Omit<FakeCrm, "url" | "close"> = { seen: [], failWith: 0 };
  const server: Server = createServer((req: IncomingMessage, res) => {
    crm.seen.push({ url: req.url ?? "", authorization: req.headers.authorization ?? "" });
    res.setHeader("content-type", "application/json");
    if (crm.failWith !== 0) {
      res.statusCode = crm.failWith;
      res.end('{"error":"down"}');
      return;
    }
    res.end(JSON.stringify({ contacts: [{ name: "Ada" }, { name: "Grace" }] }));
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return Object.assign(crm, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  });
}

/** The import map inside build.html, as the browser reads it. */
function importMapText(): string {
  const match = /<script type="importmap">([\s\S]*?)<\/script>/.exec(
    readFileSync(adminWebFile("build.html"), "utf8"),
  );
  if (match?.[1] === undefined) throw new Error("build.html has no import map");
  return match[1];
}

describe.skipIf(noChromium)(`the build page in headless Chromium (${CHROMIUM})`, () => {
  let t: TestServer;
  let browser: Browser;
  let crm: FakeCrm;
  let placeholder: FakePlaceholderApi;

  const rest = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.status, `${method} ${path}`).toBeLessThan(300);
    return (await response.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    crm = await startFakeCrm();
    placeholder = await startFakePlaceholderApi(PLACEHOLDER_KEY);
    t = await startTestServer("postgresql");
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await crm?.close();
    await placeholder?.close();
  });

  it("serves the page with its import map allowed by hash alone, and CodeMirror's modules from an allow-list", async () => {
    const js = "text/javascript; charset=utf-8";
    await expectAdminFiles(t.url, [
      ["/admin/build.js", js, "build.js"],
      ["/admin/script-editor.js", js, "script-editor.js"],
      ["/admin/connector-form.js", js, "connector-form.js"],
    ]);
    await expectAdminPageMethods(t.url, "build");

    // The page: its file, and a CSP that allows this origin's scripts and the import map's exact text.
    const page = await fetch(`${t.url}/admin/build`);
    expect(await page.text()).toBe(readFileSync(adminWebFile("build.html"), "utf8"));
    const hash = createHash("sha256").update(importMapText()).digest("base64");
    expect(page.headers.get("content-security-policy")).toBe(
      `default-src 'self'; script-src 'self' 'sha256-${hash}'; style-src 'self'; connect-src 'self'; ` +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(page.headers.get("cache-control")).toBe("no-store");
    // The other pages keep the CSP without any hash.
    expect((await fetch(`${t.url}/admin/catalog`)).headers.get("content-security-policy")).toContain(
      "script-src 'self'; ",
    );
    // The map in the page is the one the server's allow-list serves.
    expect(JSON.parse(importMapText())).toEqual(vendorImportMap());

    // Each allowed module, byte for byte as its package publishes it for `import`.
    for (const name of VENDOR_MODULES) {
      const response = await fetch(`${t.url}${vendorPath(name)}`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get("content-type"), name).toBe(js);
      expect(response.headers.get("x-content-type-options"), name).toBe("nosniff");
      expect(await response.text(), name).toBe(readFileSync(new URL(import.meta.resolve(name)), "utf8"));
    }
    // Nothing else under /admin/vendor/ reaches the file system.
    for (const path of [
      "/admin/vendor/fs.js",
      "/admin/vendor/@codemirror/state/dist/index.js",
      "/admin/vendor/../../package.json",
      "/admin/vendor/%2e%2e/%2e%2e/package.json",
      "/admin/vendor/codemirror",
    ]) {
      expect((await fetch(`${t.url}${path}`)).status, path).toBe(404);
    }
    const post = await fetch(`${t.url}${vendorPath("codemirror")}`, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
  });

  /**
   * Pastes `text` where the editor's cursor is, as an operator does (typing it would meet the editor's
   * auto-indent and closing brackets; Playwright's insertText turns leading spaces into no-break spaces).
   * The paste event carries the text itself: the system clipboard needs a focused window, which a loaded
   * machine running browsers side by side does not always give.
   */
  const paste = async (page: Page, text: string) => {
    await page.evaluate(
      `(() => {
        const data = new DataTransfer();
        data.setData("text/plain", ${JSON.stringify(text)});
        const content = document.getElementById("editor").shadowRoot.querySelector(".cm-content");
        content.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
      })()`,
    );
  };
  /** Text with each run of white space as one space: the editor draws some as other characters. */
  const squeeze = (text: string) => text.replace(/\s+/g, " ").trim();
  /** The editor's text. */
  const editorText = (page: Page) =>
    page
      .locator(".cm-content .cm-line")
      .evaluateAll((lines) => lines.map((line) => line.textContent).join("\n"));

  it("builds a script connector from the form and the editor, saves it, runs it on a connection, and bumps its version", async () => {
    const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
    try {
      const { page, problems, requests } = await openConsolePage(context, t.url, `/admin/build`, [503]);
      await expectAdminNav(page, "/admin/build");
      await useKeyFromKeyboard(page, t.adminKey);
      await page.locator(".cm-content").waitFor();
      // The editor is named by its heading and highlights JavaScript (the template's keywords get a class).
      await expect(
        page.getByRole("textbox", { name: /^Script: one function per command/ }).count(),
      ).resolves.toBe(1);
      await expect
        .poll(() =>
          page
            .locator(".cm-line span")
            .evaluateAll((spans) => spans.filter((s) => s.className !== "").length),
        )
        .toBeGreaterThan(3);

      await page.getByLabel("Slug").fill("console-contacts");
      await page.getByLabel("Display name").fill("Console Contacts");

      // Connection fields from the keyboard: the button, Enter, and the new field's name has the focus.
      await page.getByRole("button", { name: "Add connection field" }).focus();
      await page.keyboard.press("Enter");
      await expect(page.evaluate("document.activeElement.className")).resolves.toBe("name");
      await page.keyboard.type("baseUrl");
      const first = page.locator(".conn-field").nth(0);
      await first.getByLabel("required").check();
      await page.getByRole("button", { name: "Add connection field" }).click();
      const second = page.locator(".conn-field").nth(1);
      await second.getByLabel("Name").fill("apiKey");
      await second.getByLabel("Type").selectOption("secret");
      await second.getByLabel("required").check();

      // The command: the template's, renamed, with a param and outputs.
      const command = page.locator(".command-spec").nth(0);
      await command.getByLabel("Command name").fill("listContacts");
      await command.getByLabel("Description").fill("Lists contacts");
      await command.getByLabel("Outputs (comma-separated)").fill("contacts, total");
      await command.getByLabel("read-only").check();
      await command.getByRole("button", { name: "Add param to command 1" }).click();
      await command.getByLabel("Param name").fill("limit");
      await command.getByLabel("Param type").selectOption("number");
      await command.getByLabel("Default (JSON or text)").fill("10");
      await expect
        .poll(() => page.locator("#bump").textContent())
        .toBe("A new connector: saving creates it at version 1.0.0.");

      // The editor from the keyboard: completion offers the script API and the declared fields.
      await page.locator(".cm-content").click();
      await page.keyboard.press("Control+A");
      await page.keyboard.type("patchbay.con");
      const options = page.locator(".cm-tooltip-autocomplete li");
      await expect
        .poll(() => options.allTextContents())
        .toEqual(
          expect.arrayContaining(["patchbay.config", "patchbay.config.baseUrl", "patchbay.config.apiKey"]),
        );
      await page.keyboard.press("Escape");
      await page.keyboard.press("Control+A");
      await page.keyboard.type("patchbay.http.g");
      await expect.poll(() => options.first().textContent()).toContain("patchbay.http.get");
      await page.locator('.cm-tooltip-autocomplete li[aria-selected="true"]').waitFor();
      // CodeMirror ignores Enter for a moment after the list opens (its interactionDelay, 75 ms), so that
      // a fast typist's Enter is a new line: wait past it.
      await page.waitForTimeout(300);
      await page.keyboard.press("Enter");
      await expect.poll(() => editorText(page)).toBe("patchbay.http.get");
      // What does not parse is marked; the real script replaces it.
      await page.keyboard.press("Control+A");
      await paste(page, "function listContacts( {");
      await expect
        .poll(() => page.locator(".cm-lint-marker-error").count(), { timeout: 10_000 })
        .toBeGreaterThan(0);
      await page.keyboard.press("Control+A");
      await paste(page, SCRIPT);
      await expect.poll(() => editorText(page).then(squeeze)).toBe(squeeze(SCRIPT));
      await expect.poll(() => page.locator(".cm-lint-marker-error").count(), { timeout: 10_000 }).toBe(0);

      await page.getByRole("button", { name: "Create connector" }).click();
      await expect
        .poll(() => page.locator("#save-summary").textContent())
        .toBe("Created console-contacts at version 1.0.0.");
      const created = (await rest("GET", "/api/v1/connectors/console-contacts/versions")) as {
        versions: { version: string; scriptSource: string; configSchema: unknown }[];
      };
      expect(created.versions.map((v) => v.version)).toEqual(["1.0.0"]);
      expect(created.versions[0]?.scriptSource).toBe(SCRIPT);
      expect(created.versions[0]?.configSchema).toMatchObject({
        connectionConfig: {
          baseUrl: { type: "string", required: true },
          apiKey: { type: "secret", required: true, secret: true },
        },
        commands: {
          listContacts: {
            params: ["limit"],
            outputs: ["contacts", "total"],
            paramSchema: { limit: { type: "number", default: 10 } },
            readOnly: true,
          },
        },
      });

      // A connection to the fake CRM, made through the API; the page lists it as a target.
      const started = (await rest("POST", "/api/v1/connections", {
        connectorSlug: "console-contacts",
        label: "fake CRM",
      })) as { connection: { id: string } };
      const connectionId = started.connection.id;
      await rest("POST", `/api/v1/connections/${connectionId}/credentials`, {
        credentials: { baseUrl: crm.url, apiKey: CRM_KEY },
      });
      await page.getByRole("button", { name: "Reload commands and connections" }).click();
      const target = page.getByLabel("Run on");
      await expect
        .poll(() => target.locator("option").allTextContents())
        .toEqual(["no connection (by slug)", `fake CRM (${connectionId.slice(0, 8)})`]);
      await target.selectOption(connectionId);
      await expect(page.getByLabel("Command", { exact: true }).inputValue()).resolves.toBe("listContacts");
      await expect(page.getByLabel("Params (JSON object)").inputValue()).resolves.toBe('{\n  "limit": 10\n}');
      await page.getByLabel("Params (JSON object)").fill('{"limit": 2}');
      await page.getByRole("button", { name: "Run", exact: true }).click();
      await expect
        .poll(() => page.locator("#run-summary").textContent())
        .toMatch(/^Succeeded in \d+ ms \(execution /);
      expect(JSON.parse((await page.getByRole("region", { name: "Payload" }).textContent()) ?? "")).toEqual({
        contacts: [{ name: "Ada" }, { name: "Grace" }],
        total: 2,
      });
      expect(JSON.parse((await page.getByRole("region", { name: "Variables" }).textContent()) ?? "")).toEqual(
        {
          lastCount: 2,
        },
      );
      expect(crm.seen.at(-1)).toEqual({ url: "/contacts?limit=2", authorization: `Bearer ${CRM_KEY}` });
      // The connector's log line, answered with the run (and in the server log, tagged with the connector).
      await expect(page.locator("#log-lines li").allTextContents()).resolves.toEqual([
        'info listed contacts{"fields":{"status":200}}',
      ]);
      expect(
        t.logs.lines().some((l) => l.connector === "console-contacts" && l.msg === "listed contacts"),
      ).toBe(true);

      // A failing upstream: the failure's code, class and diagnostics.
      crm.failWith = 503;
      await page.getByRole("button", { name: "Run", exact: true }).click();
      await expect
        .poll(() => page.locator("#run-summary").textContent())
        .toBe("Failed (503 unavailable, COMMAND_FAILED): the CRM answered 503");
      expect(
        JSON.parse((await page.getByRole("region", { name: "Diagnostics" }).textContent()) ?? ""),
      ).toEqual({
        statusCode: 503,
      });
      await expect(page.locator("#run-result").textContent()).resolves.toContain(
        "Failure class upstream_unavailable",
      );
      // A failed run answers its log lines too.
      await expect(page.locator("#log-lines li").allTextContents()).resolves.toEqual([
        'info listed contacts{"fields":{"status":503}}',
      ]);
      crm.failWith = 0;

      // A change the rules call major, shown with its reason before the save; the server agrees.
      await command.getByRole("button", { name: "Add param to command 1" }).click();
      await command.locator(".param").nth(1).getByLabel("Param name").fill("cursor");
      await expect
        .poll(() => page.locator("#bump-summary").textContent())
        .toBe("Saving needs a major version: 1.0.0 → 2.0.0, because:");
      await expect(page.locator("#bump li").allTextContents()).resolves.toEqual([
        "major param 'cursor' of command 'listContacts' was added without a default",
      ]);
      await page.getByRole("button", { name: "Save new version" }).click();
      await expect
        .poll(() => page.locator("#save-summary").textContent())
        .toBe("Saved console-contacts: version 1.0.0 → 2.0.0, a major change.");
      await expect(page.locator("#save-result .hint").count()).resolves.toBe(0);
      await expect
        .poll(() => page.locator("#bump-summary").textContent())
        .toBe("Nothing changed since version 2.0.0.");

      // A new script with the same schema keeps the version.
      await page.locator(".cm-content").click();
      await page.keyboard.press("Control+End");
      await paste(page, "// reviewed\n");
      await expect
        .poll(() => page.locator("#bump-summary").textContent())
        .toBe(
          "The schema is unchanged: saving keeps version 2.0.0 and replaces its script (the rules bump a version for schema changes only).",
        );

      await expectFitsNarrowScreen(page);
      await screenshot(page, "console-build-420");
      expect(requests.filter((url) => !url.startsWith(`${t.url}/`))).toEqual([]);
      expect(requests.some((url) => url.includes(t.adminKey))).toBe(false);
      // Typing over a highlighted word, Chromium's own editing first tries to keep the word's colour as a
      // style attribute (`color: rgb(…)`), which the CSP refuses; CodeMirror then draws the line itself.
      // That refusal is the only console error this flow may show.
      expect(problems.filter((p) => !p.startsWith("console: Applying inline style violates"))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it("loads a saved script connector into the form and the editor", async () => {
    const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
    try {
      const { page, problems } = await openConsolePage(context, t.url, `/admin/build?slug=console-contacts`);
      await useKey(page, t.adminKey);
      await expect
        .poll(() => page.locator("#loaded-state").textContent())
        .toBe("Loaded console-contacts at version 2.0.0.");
      await expect(page.getByLabel("Slug").inputValue()).resolves.toBe("console-contacts");
      const values = async (selector: string) =>
        Promise.all((await page.locator(selector).all()).map((input) => input.inputValue()));
      await expect(values(".conn-field .name").then((names) => names.sort())).resolves.toEqual([
        "apiKey",
        "baseUrl",
      ]);
      await expect(values(".command-spec .param .name")).resolves.toEqual(["limit", "cursor"]);
      await expect.poll(() => editorText(page).then(squeeze)).toBe(squeeze(SCRIPT));
      await expect(page.locator("#bump-summary").textContent()).resolves.toBe(
        "Nothing changed since version 2.0.0.",
      );
      // Tab indents inside the editor; Escape then Tab leaves it for the next control.
      await page.locator(".cm-content").click();
      await page.keyboard.press("Tab");
      await expect(page.evaluate("document.activeElement.id")).resolves.toBe("editor");
      await page.keyboard.press("Escape");
      await page.keyboard.press("Tab");
      await expect(page.evaluate("document.activeElement.id")).resolves.toBe("save");
      await expectNoSeriousAxeViolations(page);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("runs a built-in command on a connection from a mock scenario, with no request upstream", async () => {
    const started = (await rest("POST", "/api/v1/connections", {
      connectorSlug: "placeholder-api",
      label: "fake posts",
    })) as { connection: { id: string } };
    const connectionId = started.connection.id;
    await rest("POST", `/api/v1/connections/${connectionId}/credentials`, {
      credentials: { baseUrl: placeholder.baseUrl, apiKey: PLACEHOLDER_KEY },
    });
    const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
    try {
      const { page, problems } = await openConsolePage(context, t.url, "/admin/build?run=placeholder-api");
      await useKey(page, t.adminKey);
      const mock = page.getByLabel("Mock scenario");
      await expect.poll(() => mock.isVisible()).toBe(true);
      await page.getByLabel("Command", { exact: true }).selectOption("listPosts");
      await expect
        .poll(() => mock.locator("option").allTextContents())
        .toEqual(["none: run for real", "default", "empty"]);
      await page.getByLabel("Run on").selectOption(connectionId);
      await mock.selectOption("empty");
      const before = placeholder.requests.length;
      // From the keyboard: the Run button takes Enter.
      await page.getByRole("button", { name: "Run", exact: true }).focus();
      await page.keyboard.press("Enter");
      await expect
        .poll(() => page.locator("#run-summary").textContent())
        .toMatch(/^Succeeded in \d+ ms \(execution [0-9a-f-]{36}\), answered by mock scenario empty\.$/);
      expect(JSON.parse((await page.getByRole("region", { name: "Payload" }).textContent()) ?? "")).toEqual({
        posts: [],
        nextPage: null,
      });
      expect(JSON.parse((await page.getByRole("region", { name: "Variables" }).textContent()) ?? "")).toEqual(
        { postCount: 0 },
      );
      expect(placeholder.requests.length).toBe(before);
      const mocked = /\(execution ([0-9a-f-]{36})\)/.exec(
        (await page.locator("#run-summary").textContent()) ?? "",
      )?.[1];
      expect(mocked).toMatch(/^[0-9a-f-]{36}$/);

      // Back to "none": the same command runs for real and reaches the API.
      await mock.selectOption("");
      await page.getByRole("button", { name: "Run", exact: true }).click();
      await expect
        .poll(() => page.locator("#run-summary").textContent())
        .toMatch(/^Succeeded in \d+ ms \(execution [0-9a-f-]{36}\)\.$/);
      expect(placeholder.requests.length).toBe(before + 1);
      await expectNoSeriousAxeViolations(page);
      await expectFitsNarrowScreen(page);
      await screenshot(page, "console-build-mock-420");

      // The execution log's record of the mocked run says which scenario answered it.
      const log = await openConsolePage(context, t.url, "/admin/executions");
      await useKey(log.page, t.adminKey);
      await log.page.locator(`tr[data-execution-id="${mocked}"] button`).click();
      const detail = log.page.locator("#detail");
      await detail.waitFor();
      await expect
        .poll(() => detail.locator("dt, dd").allTextContents())
        .toEqual(expect.arrayContaining(["Mock scenario", "empty"]));
      expect(log.problems).toEqual([]);
      // Back to the build page's tab (a page in the background gets no focus events).
      await log.page.close();
      await page.bringToFront();

      // A script connector has no mock scenarios: the control is not offered.
      await page.locator("#run-slug").fill("console-contacts");
      await page.locator("#run-slug").press("Tab");
      await expect.poll(() => mock.isVisible()).toBe(false);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("says why a save is refused for a key without catalog:write", async () => {
    const context = await browser.newContext();
    try {
      const { page } = await openConsolePage(context, t.url, `/admin/build`, [403]);
      await useKey(page, await t.createKey(["catalog:read", "execute"]));
      await page.getByLabel("Slug").fill("console-refused");
      await page.getByRole("button", { name: "Create connector" }).click();
      await expect
        .poll(() => page.locator("#message").textContent())
        .toBe(
          "Permission denied (403): this key may not do that. Saving needs the catalog:write scope, running the execute scope.",
        );
      expect(
        ((await rest("GET", "/api/v1/connectors?q=console-refused")) as { connectors: unknown[] }).connectors,
      ).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
