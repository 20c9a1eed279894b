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
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The console's catalog page (/admin/catalog) in headless Chromium, 420 px wide, against a real server:
// search and filter, a connector's commands, deprecations, availability and why, its versions and the
// diff between two of them.

const V1 = {
  connectionConfig: { baseUrl: { type: "string", required: true, description: "CRM API base URL" } },
  commands: {
    listContacts: {
      description: "Lists contacts",
      params: ["limit"],
      paramSchema: { limit: { type: "number", default: 50 } },
      outputs: ["contacts"],
      readOnly: true,
    },
    deleteContact: {
      description: "Deletes a contact",
      params: ["id"],
      paramSchema: { id: { type: "string", required: true } },
      outputs: [],
      destructive: true,
    },
  },
};
// 1.1.0: a new output (minor) and deleteContact deprecated (patch).
const V2 = {
  ...V1,
  commands: {
    listContacts: { ...V1.commands.listContacts, outputs: ["contacts", "total"] },
    deleteContact: {
      ...V1.commands.deleteContact,
      deprecated: true,
      deprecatedMessage: "use archiveContact",
    },
  },
};
// 2.0.0: deleteContact removed (major).
const V3 = { ...V2, commands: { listContacts: V2.commands.listContacts } };
const SOURCE = `function listContacts() { return { success: true, payload: { contacts: [], total: 0 } }; }
function deleteContact() { return { success: true, payload: {} }; }`;

describe.skipIf(noChromium)(`the catalog page in headless Chromium (${CHROMIUM})`, () => {
  let t: TestServer;
  let browser: Browser;

  const rest = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.status, `${method} ${path}`).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    await rest("POST", "/api/v1/connectors", {
      name: "console-crm",
      displayName: "Console CRM",
      description: "A CRM for the catalog page",
      executionModel: "script",
      configSchema: V1,
      scriptSource: SOURCE,
      tags: ["crm"],
    });
    await rest("PUT", "/api/v1/connectors/console-crm", { configSchema: V2, autoBump: true });
    await rest("PUT", "/api/v1/connectors/console-crm", { configSchema: V3, autoBump: true });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it("serves the page, its modules and styles with no-store, the strict CSP, nosniff and no referrer", async () => {
    const js = "text/javascript; charset=utf-8";
    await expectAdminFiles(t.url, [
      ["/admin/catalog", "text/html; charset=utf-8", "catalog.html"],
      ["/admin/catalog.js", js, "catalog.js"],
      ["/admin/connector-view.js", js, "connector-view.js"],
      ["/admin/schema-diff.js", js, "schema-diff.js"],
      ["/admin/connector-pages.css", "text/css; charset=utf-8", "connector-pages.css"],
    ]);
    await expectAdminPageMethods(t.url, "catalog");
  });

  it("searches, filters by kind, and shows a connector's commands, deprecation, versions and their diff", async () => {
    const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
    try {
      const { page, problems, requests } = await openConsolePage(context, t.url, `/admin/catalog`);
      await expectAdminNav(page, "/admin/catalog");
      await expect(page.locator("#message").textContent()).resolves.toContain("Paste an API key");
      await useKeyFromKeyboard(page, t.adminKey);
      // With a key the whole catalog is listed: the built-ins, the shipped script and ours.
      await page.locator('#connectors button[data-slug="console-crm"]').waitFor();
      await expect(page.locator('#connectors button[data-slug="http"]').count()).resolves.toBe(1);

      // Search from the keyboard: type, Enter.
      await page.getByLabel("Search").fill("crm");
      await page.getByLabel("Search").press("Enter");
      await expect
        .poll(() =>
          page.locator("#connectors button").evaluateAll((b) => b.map((x) => x.getAttribute("data-slug"))),
        )
        .toEqual(["console-crm"]);
      await expect(page.locator("#list-summary").textContent()).resolves.toBe("1 connector.");

      // The kind filter: scripts only (ours and the one that ships with Patchbay).
      await page.getByLabel("Search").fill("");
      await page.getByLabel("Kind").selectOption("script");
      await expect
        .poll(() =>
          page.locator("#connectors button").evaluateAll((b) => b.map((x) => x.getAttribute("data-slug"))),
        )
        .toEqual(["console-crm", "sample-script"]);

      // Open it with the keyboard: focus its button, Enter.
      await page.locator('#connectors button[data-slug="console-crm"]').focus();
      await page.keyboard.press("Enter");
      await expect.poll(() => page.locator("#detail-title").textContent()).toBe("Console CRM");
      await expect(page.evaluate("document.activeElement.id")).resolves.toBe("detail-title");
      await expect(
        page.locator('#connectors button[data-slug="console-crm"]').getAttribute("aria-pressed"),
      ).resolves.toBe("true");
      const facts = await page.locator("#detail-facts").textContent();
      expect(facts).toContain("Kindscript");
      expect(facts).toContain("Version2.0.0");
      expect(facts).toContain("Availabilityavailable");
      expect(facts).toContain("Sharedthis tenant only");
      expect(page.url()).toBe(`${t.url}/admin/catalog?slug=console-crm`);

      // Commands: the one left, its typed param and read-only hint; the connection field.
      const list = page.locator('#detail-commands tr[data-command="listContacts"]');
      await expect(list.locator('td[data-label="Params"]').textContent()).resolves.toBe(
        "limit (number, default 50)",
      );
      await expect(list.locator('td[data-label="Outputs"]').textContent()).resolves.toBe("contacts, total");
      await expect(list.locator('td[data-label="Effects"]').textContent()).resolves.toBe("read-only");
      await expect(page.locator("#detail-commands tr[data-command]").count()).resolves.toBe(1);
      await expect(
        page.locator('#detail-fields tr[data-field="baseUrl"] td[data-label="Kind"]').textContent(),
      ).resolves.toBe("string, required");
      await expect(
        page.getByRole("link", { name: "Edit and run in Build" }).getAttribute("href"),
      ).resolves.toBe("/admin/build?slug=console-crm");

      // Versions, newest first, and the diff of the newest two: the removed command is major.
      await expect(page.locator("#version-list li .mono").allTextContents()).resolves.toEqual([
        "2.0.0",
        "1.1.0",
        "1.0.0",
      ]);
      await expect(page.locator("#version-diff p").first().textContent()).resolves.toBe(
        "From 1.1.0 to 2.0.0: 1 change, a major change by the versioning rules.",
      );
      await expect(page.locator("#version-diff li").allTextContents()).resolves.toEqual([
        "major command 'deleteContact' was removed",
      ]);
      // 1.0.0 → 1.1.0: the new output is minor, the deprecation a patch.
      await page.getByLabel("From version").selectOption({ label: "1.0.0" });
      await page.getByLabel("To version").selectOption({ label: "1.1.0" });
      await expect
        .poll(() => page.locator("#version-diff li").allTextContents())
        .toEqual([
          "minor output 'total' of command 'listContacts' was added",
          "patch command 'deleteContact' was marked deprecated",
        ]);
      await expect(page.locator("#version-diff p").first().textContent()).resolves.toContain(
        "a minor change",
      );

      await expectFitsNarrowScreen(page);
      await screenshot(page, "console-catalog-420");
      expect(requests.filter((url) => !url.startsWith(`${t.url}/`))).toEqual([]);
      expect(requests.some((url) => url.includes(t.adminKey))).toBe(false);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("shows a deprecated command in a version that has one, and why a connector is not available", async () => {
    const listed = (await rest("GET", "/api/v1/connectors?availability=not_configured")) as {
      connectors: { slug: string; availabilityReason: string }[];
    };
    const unavailable = listed.connectors[0];
    if (unavailable === undefined)
      throw new Error("no connector is not_configured on a server without OAuth clients");
    expect(unavailable.availabilityReason).not.toBe("");

    const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
    try {
      const { page, problems } = await openConsolePage(context, t.url, `/admin/catalog`);
      await useKey(page, t.adminKey);
      await page.getByLabel("Availability").selectOption("not_configured");
      await page.locator(`#connectors button[data-slug="${unavailable.slug}"]`).click();
      await expect
        .poll(() => page.locator("#detail-facts").textContent())
        .toContain(`Availabilitynot configured: ${unavailable.availabilityReason}`);
      await expect(
        page.locator(`#connectors button[data-slug="${unavailable.slug}"] .badge`).textContent(),
      ).resolves.toBe("not configured");
      expect(problems).toEqual([]);

      // A deprecated command carries its badge and message (the sample script's own commands have none:
      // a connector whose current version deprecates one is made here).
      await rest("POST", "/api/v1/connectors", {
        name: "console-deprecating",
        executionModel: "script",
        configSchema: V2,
        scriptSource: SOURCE,
      });
      await page.goto(`${t.url}/admin/catalog?slug=console-deprecating`);
      const row = page.locator('#detail-commands tr[data-command="deleteContact"]');
      await row.waitFor();
      await expect(row.locator('td[data-label="Command"]').textContent()).resolves.toBe(
        "deleteContact deprecateduse archiveContact",
      );
      await expect(row.locator('td[data-label="Effects"]').textContent()).resolves.toBe("destructive");
      await expect(page.locator("#version-list li").count()).resolves.toBe(1);
      await expect(page.locator("#diff-from").count()).resolves.toBe(0);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("says when a key may not read the catalog, and shows nothing then", async () => {
    const context = await browser.newContext();
    try {
      const { page } = await openConsolePage(context, t.url, `/admin/catalog`, [403]);
      await useKey(page, await t.createKey(["execute"]));
      await expect
        .poll(() => page.locator("#message").textContent())
        .toBe(
          "Permission denied (403): this key may not read the catalog. Use a key with the catalog:read scope.",
        );
      await expect(page.locator("#connectors li").count()).resolves.toBe(0);
    } finally {
      await context.close();
    }
  });

  it("has no serious or critical axe-core violations with a connector open", async () => {
    const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
    try {
      const { page } = await openConsolePage(context, t.url, `/admin/catalog?slug=console-crm`);
      await useKey(page, t.adminKey);
      await page.locator("#version-diff li").first().waitFor();
      await expectNoSeriousAxeViolations(page);
    } finally {
      await context.close();
    }
  });
});
