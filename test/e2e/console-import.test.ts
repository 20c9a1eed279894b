import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAdminFiles, expectAdminNav, expectAdminPageMethods } from "../support/admin-page-checks.ts";
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
import { type FakeApiServer, startFakeApiServer } from "../support/openapi-fake-server.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The console's import page (/admin/import) in headless Chromium, 420 px wide, against a real server, an
// OpenAPI description and its fake API on loopback: a description given by URL, by upload and pasted;
// the draft's commands, security fields and warnings; operations chosen from the keyboard; the connector
// created and run (from the build page) against the fake; a re-import that shows its version first.

const json = (example: unknown) => ({
  description: "ok",
  content: { "application/json": { schema: { type: "object" }, example } },
});

/** The description: three operations with ids, one without (a warning), an API key in a header. */
function description(serverUrl: string, version: 1 | 2): Record<string, unknown> {
  const paths: Record<string, unknown> = {
    "/contacts": {
      get: {
        operationId: "listContacts",
        summary: "List contacts",
        parameters: [{ name: "limit", in: "query", schema: { type: "integer", default: 10 } }],
        responses: { "200": json({ contacts: [{ id: "c1", name: "Ada" }] }) },
      },
    },
    "/contacts/{id}": {
      delete: {
        operationId: "deleteContact",
        summary: "Delete a contact",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": json({ deleted: true }) },
      },
      ...(version === 1
        ? {
            get: {
              operationId: "getContact",
              summary: "Get a contact",
              parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
              responses: { "200": json({ id: "c1", name: "Ada" }) },
            },
          }
        : {}),
    },
    "/health": { get: { summary: "Health", responses: { "200": json({ ok: true }) } } },
  };
  if (version === 2) {
    paths["/contacts/{id}/notes"] = {
      get: {
        operationId: "listNotes",
        summary: "List a contact's notes",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": json({ notes: [] }) },
      },
    };
  }
  return {
    openapi: "3.0.3",
    info: { title: "Console Contacts API", version: "1.0.0", description: "Contacts for the import page" },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    components: { securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "X-Api-Key" } } },
    paths,
  };
}

describe.skipIf(noChromium)(`the import page in headless Chromium (${CHROMIUM})`, () => {
  let t: TestServer;
  let browser: Browser;
  let fake: FakeApiServer;
  let documents: Server;
  let documentUrl = "";

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
    // The fake answers as the description says; its address becomes the description's server.
    fake = await startFakeApiServer(description("http://127.0.0.1", 1));
    // The description itself, served on loopback for the "from a URL" way in.
    documents = createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(description(fake.url, 1)));
    });
    await new Promise<void>((listening) => documents.listen(0, "127.0.0.1", listening));
    documentUrl = `http://127.0.0.1:${(documents.address() as AddressInfo).port}/openapi.json`;
    t = await startTestServer("postgresql");
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await fake?.close();
    await new Promise<void>((closed) => (documents ? documents.close(() => closed()) : closed()));
  });

  it("serves the page and its script with no-store, the strict CSP, nosniff and no referrer", async () => {
    await expectAdminFiles(t.url, [
      ["/admin/import", "text/html; charset=utf-8", "import.html"],
      ["/admin/import.js", "text/javascript; charset=utf-8", "import.js"],
    ]);
    await expectAdminPageMethods(t.url, "import");
  });

  it("previews a description from a URL and from a file, creates the chosen operations, and runs one on the fake API", async () => {
    const parsed = (await rest("POST", "/api/v1/connectors/parse-oas", { url: documentUrl })) as {
      warnings: string[];
      draft: { configSchema: { connectionConfig: Record<string, unknown> } };
    };
    const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
    try {
      // 404: the page asks whether the draft's slug is taken (a re-import) before it shows what creating does.
      const { page, problems, requests } = await openConsolePage(context, t.url, `/admin/import`, [404]);
      await expectAdminNav(page, "/admin/import");
      await useKeyFromKeyboard(page, t.adminKey);

      // From a URL, which the server fetches: the draft, named from the title.
      await page.getByLabel("Or fetch from a URL").fill(documentUrl);
      await page.getByRole("button", { name: "Preview" }).click();
      await expect.poll(() => page.locator("#draft-title").textContent()).toBe("Draft: console-contacts-api");
      await expect(page.evaluate("document.activeElement.id")).resolves.toBe("draft-title");
      const facts = await page.locator("#draft-facts").textContent();
      expect(facts).toBe("Slugconsole-contacts-apiVersion1.0.0DescriptionContacts for the import page");
      // Operations in document order, the one without an id named for its method and path, and warned about.
      await expect(
        page
          .locator("#operations tr")
          .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-operation"))),
      ).resolves.toEqual(["listContacts", "getContact", "deleteContact", expect.stringMatching(/health/i)]);
      expect(parsed.warnings.some((w) => w.includes("no operationId"))).toBe(true);
      await expect(page.locator("#warning-list li").allTextContents()).resolves.toEqual(parsed.warnings);
      // The security scheme became a secret connection field, as the API's draft says.
      const fieldNames = Object.keys(parsed.draft.configSchema.connectionConfig).sort();
      expect(fieldNames.length).toBeGreaterThan(0);
      await expect(
        page
          .locator("#draft-fields tr[data-field]")
          .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-field")).sort()),
      ).resolves.toEqual(fieldNames);
      await expect(page.locator("#draft-fields").textContent()).resolves.toContain("secret");
      await expect(
        page.locator('#draft-commands tr[data-command="listContacts"] td[data-label="Params"]').textContent(),
      ).resolves.toBe("limit (number, default 10)");

      // The same description uploaded as a file gives the same draft.
      await page.getByLabel("Or upload a file").setInputFiles({
        name: "contacts.json",
        mimeType: "application/json",
        buffer: Buffer.from(JSON.stringify(description(fake.url, 1))),
      });
      await expect
        .poll(() => page.getByLabel("Paste the document").inputValue())
        .toContain('"Console Contacts API"');
      await expect(page.getByLabel("Or fetch from a URL").inputValue()).resolves.toBe("");
      await page.getByRole("button", { name: "Preview" }).click();
      // The click hides the earlier draft at once; the new one shows with the answer.
      await page.locator("#draft").waitFor();
      await expect(page.locator("#operations tr").count()).resolves.toBe(4);

      // Leave two operations out from the keyboard: focus each box, Space.
      for (const id of ["deleteContact", "getContact"]) {
        await page.locator(`#operations tr[data-operation="${id}"] input`).focus();
        await page.keyboard.press("Space");
      }
      await expect.poll(() => page.locator("#draft-commands tr[data-command]").count()).toBe(2);
      await expect(page.locator("#consequence-summary").textContent()).resolves.toBe(
        "Creates console-contacts-api at version 1.0.0 with 2 commands.",
      );
      await page.getByRole("button", { name: "Create connector" }).click();
      await expect
        .poll(() => page.locator("#create-summary").textContent())
        .toMatch(/^Created console-contacts-api at version 1\.0\.0 with 2 commands/);
      // The choice stays on screen, now compared with what was created: nothing would change.
      await expect
        .poll(() => page.locator("#consequence-summary").textContent())
        .toMatch(/^console-contacts-api exists at version 1\.0\.0; its commands would not change/);
      await expect(page.locator("#operations input:checked").count()).resolves.toBe(2);
      const capabilities = (await rest("GET", "/api/v1/connectors/console-contacts-api/capabilities")) as {
        commands: { name: string }[];
      };
      expect(capabilities.commands.map((c) => c.name)).toHaveLength(2);
      expect(capabilities.commands.map((c) => c.name)).toContain("listContacts");
      await expectFitsNarrowScreen(page);
      await screenshot(page, "console-import-420");

      // Run it on a connection to the fake API, from the build page.
      const started = (await rest("POST", "/api/v1/connections", {
        connectorSlug: "console-contacts-api",
        label: "fake contacts",
      })) as { connection: { id: string } };
      const secret = fieldNames.find((name) => name !== "baseUrl") ?? fieldNames[0] ?? "";
      await rest("POST", `/api/v1/connections/${started.connection.id}/credentials`, {
        credentials: {
          [secret]: "contacts-key-9",
          ...(fieldNames.includes("baseUrl") ? { baseUrl: fake.url } : {}),
        },
      });
      await page.goto(`${t.url}/admin/build?run=console-contacts-api`);
      await page.getByLabel("Run on").selectOption(started.connection.id);
      await page.getByLabel("Command", { exact: true }).selectOption("listContacts");
      await page.getByRole("button", { name: "Run", exact: true }).click();
      await expect.poll(() => page.locator("#run-summary").textContent()).toMatch(/^Succeeded in/);
      expect(
        JSON.parse((await page.getByRole("region", { name: "Payload" }).textContent()) ?? ""),
      ).toMatchObject({
        contacts: [{ id: "c1", name: "Ada" }],
      });
      const call = fake.requests.at(-1);
      expect(call).toMatchObject({ operationId: "listContacts", errors: [] });
      expect(call?.headers["x-api-key"]).toBe("contacts-key-9");

      expect(requests.filter((url) => !url.startsWith(`${t.url}/`))).toEqual([]);
      expect(requests.some((url) => url.includes(t.adminKey))).toBe(false);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it("shows what a re-import does to the version before it does it", async () => {
    const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
    try {
      const { page, problems } = await openConsolePage(
        context,
        t.url,
        `/admin/import?slug=console-contacts-api`,
      );
      await useKey(page, t.adminKey);
      await expect(page.getByLabel("Slug").inputValue()).resolves.toBe("console-contacts-api");
      // Version 2 of the description, pasted: getContact gone, listNotes new.
      await page.getByLabel("Paste the document").fill(JSON.stringify(description(fake.url, 2)));
      await page.getByRole("button", { name: "Preview" }).click();
      await expect
        .poll(() => page.locator("#consequence-summary").textContent())
        .toBe(
          "console-contacts-api exists at version 1.0.0: re-importing is a minor change, to 1.1.0, because:",
        );
      // Every operation of the new description is chosen: deleteContact and listNotes come in, the
      // unnamed health operation too; nothing the connector has goes.
      const changes = await page.locator("#consequence li").allTextContents();
      expect(changes).toEqual(
        expect.arrayContaining([
          "minor command 'deleteContact' was added",
          "minor command 'listNotes' was added",
        ]),
      );
      expect(changes.every((c) => c.startsWith("minor"))).toBe(true);
      // Leaving listContacts out would remove it: a major change, shown at once.
      await page.locator('#operations tr[data-operation="listContacts"] input').uncheck();
      await expect
        .poll(() => page.locator("#consequence-summary").textContent())
        .toBe(
          "console-contacts-api exists at version 1.0.0: re-importing is a major change, to 2.0.0, because:",
        );
      await expect(page.locator('#consequence li[data-bump="major"]').allTextContents()).resolves.toEqual([
        "major command 'listContacts' was removed",
      ]);
      await page.locator('#operations tr[data-operation="listContacts"] input').check();
      await expect
        .poll(() => page.locator("#consequence-summary").textContent())
        .toContain("a minor change, to 1.1.0");

      await page.getByRole("button", { name: "Re-import into the existing connector" }).click();
      await expect
        .poll(() => page.locator("#create-summary").textContent())
        .toBe("Re-imported console-contacts-api: version 1.0.0 → 1.1.0, a minor change.");
      const versions = (await rest("GET", "/api/v1/connectors/console-contacts-api/versions")) as {
        versions: { version: string }[];
      };
      expect(versions.versions.map((v) => v.version)).toEqual(["1.1.0", "1.0.0"]);
      // After it, the page compares with the new version.
      await expect
        .poll(() => page.locator("#consequence-summary").textContent())
        .toMatch(/^console-contacts-api exists at version 1\.1\.0/);
      await expectNoSeriousAxeViolations(page);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("creates nothing under a slug taken by a connector of another kind, whatever operations are chosen", async () => {
    const context = await browser.newContext();
    try {
      // echo is a built-in connector: an OpenAPI import cannot take its slug.
      const { page, problems } = await openConsolePage(context, t.url, `/admin/import?slug=echo`);
      await useKey(page, t.adminKey);
      await page.getByLabel("Paste the document").fill(JSON.stringify(description(fake.url, 1)));
      await page.getByRole("button", { name: "Preview" }).click();
      await expect.poll(() => page.locator("#message").textContent()).toMatch(/choose another slug\.$/);
      const create = page.getByRole("button", { name: "Create connector" });
      await expect(create.isDisabled()).resolves.toBe(true);
      // Choosing operations again must not turn Create back on.
      await page.locator('#operations tr[data-operation="listContacts"] input').uncheck();
      await page.locator('#operations tr[data-operation="listContacts"] input').check();
      await expect(create.isDisabled()).resolves.toBe(true);
      await expect(page.locator("#consequence-summary").textContent()).resolves.toBe(
        "Nothing: echo is taken by a connector of another kind.",
      );
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("says why a description is refused", async () => {
    const context = await browser.newContext();
    try {
      const { page } = await openConsolePage(context, t.url, `/admin/import`, [400]);
      await useKey(page, t.adminKey);
      await page.getByLabel("Paste the document").fill("this is not OpenAPI");
      await page.getByRole("button", { name: "Preview" }).click();
      await expect
        .poll(() => page.locator("#message").textContent())
        .toMatch(/^The request failed \(400 invalid_argument\): /);
      await expect(page.locator("#draft").isHidden()).resolves.toBe(true);
    } finally {
      await context.close();
    }
  });
});
