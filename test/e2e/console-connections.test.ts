import { createServer } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT, type MockProvider, startMockProvider } from "../connections/oauth/mock-provider.ts";
import { expectAdminFiles, expectAdminNav, expectAdminPageMethods } from "../support/admin-page-checks.ts";
import {
  expectFitsNarrowScreen,
  expectNoSeriousAxeViolations,
  launchChromium,
  noChromium,
  openConsolePage,
  screenshot,
  useKey,
} from "../support/console-browser.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The console's connections page (/admin/connections) in headless Chromium against a real server and a
// real OAuth 2.0 server (oauth2-mock-server) on loopback: an OAuth connection is started, its sign-in
// opened in a tab of its own and followed to the end; API-key credentials are tested by a script
// connector's `test`; tokens are refreshed and connections revoked, each checked through the API.

const GOOD = "good-key-0123456789";
const SCRIPT = `
function test() {
  if (patchbay.config.apiKey !== "${GOOD}") return { success: false, error: "key refused" };
  return { success: true };
}
`;
const SCRIPT_SCHEMA = {
  connectionConfig: { apiKey: { type: "string", required: true, secret: true, description: "API key" } },
  commands: { test: { params: [], description: "Check the key", outputs: [], paramSchema: {} } },
};

/** A free loopback port: the server's public URL (the OAuth redirect target) must be known before it starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

describe.skipIf(noChromium)("the console's connections page in headless Chromium", () => {
  let t: TestServer;
  let provider: MockProvider;
  let browser: Browser;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as { connections?: unknown[] } };
  };
  /** The admin subject's connections, as the API lists them. */
  const listed = async () =>
    ((await call("GET", "/api/v1/connections")).json.connections ?? []) as {
      id: string;
      connectorSlug: string;
      label: string;
      status: string;
    }[];
  const message = (page: Page) => page.locator("#message");
  const rowOf = (page: Page, label: string) =>
    page
      .locator("#connections tbody tr")
      .filter({ has: page.getByRole("cell", { name: label, exact: true }) });

  beforeAll(async () => {
    provider = await startMockProvider();
    const port = await freePort();
    t = await startTestServer("postgresql", {
      PATCHBAY_PORT: String(port),
      PATCHBAY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      PATCHBAY_OAUTH_ALLOW_LOOPBACK_HTTP: "true",
    });
    const oauth = await call("POST", "/api/v1/connectors", {
      name: "acme-oauth",
      type: "oauth2-api",
      executionModel: "built_in",
      config: {
        baseUrl: provider.base,
        authorizeUrl: `${provider.base}/authorize`,
        tokenUrl: `${provider.base}/token`,
        scopes: "read write",
        clientId: CLIENT.clientId,
        clientSecret: CLIENT.clientSecret,
      },
    });
    expect(oauth.status).toBe(200);
    const keyed = await call("POST", "/api/v1/connectors", {
      name: "keyed-script",
      executionModel: "script",
      configSchema: SCRIPT_SCHEMA,
      scriptSource: SCRIPT,
    });
    expect(keyed.status).toBe(200);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await provider?.stop();
  });

  it("serves the page and its script with no-store, a strict CSP, nosniff and no referrer", async () => {
    await expectAdminFiles(t.url, [
      ["/admin/connections", "text/html; charset=utf-8", "connections.html"],
      ["/admin/connections.js", "text/javascript; charset=utf-8", "connections.js"],
      ["/admin/credential-form.js", "text/javascript; charset=utf-8", "credential-form.js"],
      ["/admin/oauth-completion.js", "text/javascript; charset=utf-8", "oauth-completion.js"],
    ]);
    await expectAdminPageMethods(t.url, "connections");
  });

  it("starts an OAuth connection, follows its sign-in tab to the end, refreshes and revokes it", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, problems } = await openConsolePage(context, t.url, "/admin/connections");
      await expectAdminNav(page, "/admin/connections");
      await useKey(page, t.adminKey);
      await page.getByLabel("Connector (slug)").fill("acme-oauth");
      await page.getByLabel("Label (optional)").fill("Work account");
      await page.getByRole("button", { name: "Connect" }).click();

      const link = page.getByRole("link", { name: "Open the sign-in in a new tab" });
      await link.waitFor();
      expect(await link.getAttribute("href")).toMatch(/\/api\/v1\/connections\/oauth\/link\?token=/);
      await expect(rowOf(page, "Work account").locator(".badge").textContent()).resolves.toBe("pending");
      await screenshot(page, "connections-oauth-pending");

      // The sign-in tab: the start link, the provider's authorize endpoint, the callback page, which tells
      // this page and closes itself.
      const [tab] = await Promise.all([context.waitForEvent("page"), link.click()]);
      await tab.waitForEvent("close", { timeout: 30_000 });
      await expect
        .poll(() => page.locator("#oauth-status").textContent(), { timeout: 30_000 })
        .toBe("Connected: the connection is active.");
      await expect
        .poll(() => rowOf(page, "Work account").locator(".badge").textContent(), { timeout: 10_000 })
        .toBe("active");
      const connected = (await listed()).find((c) => c.label === "Work account");
      expect(connected).toMatchObject({ connectorSlug: "acme-oauth", status: "active" });
      await screenshot(page, "connections-oauth-connected");

      // Refresh the token with the stored refresh token.
      await rowOf(page, "Work account")
        .getByRole("button", { name: "Refresh the token of Work account" })
        .click();
      await expect.poll(() => message(page).textContent(), { timeout: 10_000 }).toMatch(/was refreshed/);

      // Revoke: confirm in the dialog; the API no longer lists it.
      await rowOf(page, "Work account").getByRole("button", { name: "Revoke Work account" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Revoke connection" }).click();
      await expect
        .poll(() => message(page).textContent(), { timeout: 10_000 })
        .toBe("Work account was revoked.");
      await expect.poll(() => rowOf(page, "Work account").count(), { timeout: 10_000 }).toBe(0);
      expect((await listed()).some((c) => c.id === connected?.id)).toBe(false);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("submits API-key credentials with the keyboard and shows the test's result", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      // The refused credential test answers 400: the page shows it.
      const { page, problems } = await openConsolePage(context, t.url, "/admin/connections", [400]);
      await useKey(page, t.adminKey);
      await page.getByLabel("Connector (slug)").focus();
      await page.keyboard.type("keyed-script");
      await page.keyboard.press("Tab");
      await page.keyboard.type("Keyed");
      await page.keyboard.press("Enter");

      // The form is built from the connector's credential fields; focus lands in its first field.
      const form = page.locator("#credentials-form");
      await form.getByLabel("apiKey").waitFor();
      await expect(page.evaluate("document.activeElement?.dataset.key")).resolves.toBe("apiKey");
      await expect(form.getByLabel("apiKey").getAttribute("type")).resolves.toBe("password");
      await page.keyboard.type("wrong-key-0123456789");
      await page.keyboard.press("Enter");
      const result = page.locator("#credentials-result");
      await expect
        .poll(() => result.textContent(), { timeout: 30_000 })
        .toMatch(/^Not accepted: .*key refused/);
      await expect(form.getByLabel("apiKey").inputValue()).resolves.toBe("");
      expect((await listed()).find((c) => c.label === "Keyed")?.status).toBe("pending");
      await screenshot(page, "connections-credentials-refused");

      await page.keyboard.type(GOOD);
      await page.keyboard.press("Enter");
      await expect.poll(() => result.textContent(), { timeout: 30_000 }).toMatch(/^Test passed/);
      await expect
        .poll(() => rowOf(page, "Keyed").locator(".badge").textContent(), { timeout: 10_000 })
        .toBe("active");
      expect((await listed()).find((c) => c.label === "Keyed")?.status).toBe("active");
      // The page holds no credential after it sent them.
      expect(await page.content()).not.toContain(GOOD);
      await screenshot(page, "connections-credentials-accepted");

      // Filters: by status and connector, through ListConnections.
      await page.getByLabel("Status").selectOption("pending");
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect.poll(() => rowOf(page, "Keyed").count(), { timeout: 10_000 }).toBe(0);
      await page.getByLabel("Status").selectOption("active");
      await page.locator("#filter-connector").fill("keyed-script");
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect.poll(() => page.locator("#connections tbody tr").count(), { timeout: 10_000 }).toBe(1);
      await expect(page.locator("#connections-count").textContent()).resolves.toBe("1 connection matches.");
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("fits a 420 px wide screen and has no serious or critical axe-core violations", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, problems } = await openConsolePage(context, t.url, "/admin/connections");
      await useKey(page, t.adminKey);
      await page.locator("#connections tbody tr").first().waitFor();
      await expectNoSeriousAxeViolations(page);
      await expectFitsNarrowScreen(page);
      await screenshot(page, "connections-narrow");
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
