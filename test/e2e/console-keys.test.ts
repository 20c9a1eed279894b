import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

// The console's keys page (/admin/keys) in headless Chromium against a real server: every action goes
// through ApiKeyService's REST routes with the pasted key, and what the page does is checked against the
// API itself (a created key works, a rotated one stops, a revoked one is refused).

const KEY_STORAGE = "patchbay.adminKey";

describe.skipIf(noChromium)("the console's keys page in headless Chromium", () => {
  let t: TestServer;
  let browser: Browser;

  /** The status of a catalog read with this key: 200 while it works, 401 once it is refused. */
  const catalogStatus = async (key: string): Promise<number> => {
    const response = await fetch(`${t.url}/api/v1/connectors?pageSize=1`, {
      headers: { authorization: `Bearer ${key}` },
    });
    await response.arrayBuffer();
    return response.status;
  };
  const message = (page: Page) => page.locator("#message");
  const newKey = (page: Page) => page.locator("#new-key-value");
  const keyRow = (page: Page, subject: string) =>
    page.locator("#keys tbody tr").filter({ has: page.getByRole("cell", { name: subject, exact: true }) });
  const activeFocus = (page: Page) => page.evaluate("document.activeElement?.id ?? ''");

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it("serves the page and its scripts with no-store, a strict CSP, nosniff and no referrer", async () => {
    await expectAdminFiles(t.url, [
      ["/admin/keys", "text/html; charset=utf-8", "keys.html"],
      ["/admin/keys.js", "text/javascript; charset=utf-8", "keys.js"],
      ["/admin/console-ui.js", "text/javascript; charset=utf-8", "console-ui.js"],
    ]);
    await expectAdminPageMethods(t.url, "keys");
  });

  it("creates a key with the keyboard, shows it once, rotates and revokes keys, all through the API", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, problems } = await openConsolePage(context, t.url, "/admin/keys");
      await expectAdminNav(page, "/admin/keys");
      await expect(message(page).textContent()).resolves.toContain("Paste an API key");
      await useKey(page, t.adminKey);
      // The server's own admin key is listed (subject from the test server's first start).
      await page.locator("#keys tbody tr").first().waitFor();

      // The create form, by keyboard only: type, Tab between fields, Space on the scopes, Enter submits.
      await page.getByLabel("Subject").focus();
      await page.keyboard.type("billing-service");
      await page.keyboard.press("Tab");
      expect(await activeFocus(page)).toBe("create-name");
      await page.keyboard.type("CI deploys");
      await page.keyboard.press("Tab"); // catalog:read
      await page.keyboard.press("Space");
      for (let i = 0; i < 3; i++) await page.keyboard.press("Tab"); // catalog:write, connections, execute
      await page.keyboard.press("Space");
      for (let i = 0; i < 5; i++) await page.keyboard.press("Tab"); // …, admin, tier
      expect(await activeFocus(page)).toBe("create-tier");
      await page.keyboard.type("standard");
      await page.keyboard.press("Enter");

      await newKey(page).waitFor();
      const created = (await newKey(page).textContent()) ?? "";
      expect(created).toMatch(/^pb_/);
      // The new key has what the form asked for: it reads the catalog, and is no admin key.
      expect(await catalogStatus(created)).toBe(200);
      const asIt = await fetch(`${t.url}/api/v1/api-keys`, {
        headers: { authorization: `Bearer ${created}` },
      });
      expect(asIt.status).toBe(403);
      await asIt.arrayBuffer();
      const row = keyRow(page, "billing-service");
      await row.waitFor();
      await expect(row.locator('td[data-label="Scopes"]').textContent()).resolves.toBe(
        "catalog:read, execute",
      );
      await expect(row.locator('td[data-label="Name"]').textContent()).resolves.toBe("CI deploys");
      await expect(row.locator('td[data-label="Tier"]').textContent()).resolves.toBe("standard");
      await screenshot(page, "keys-created");

      // Shown once: hidden on "Done", and nowhere after a reload.
      await page.getByRole("button", { name: "Done, hide it" }).click();
      await expect(newKey(page).textContent()).resolves.toBe("");
      await page.reload();
      await keyRow(page, "billing-service").waitFor();
      expect(await page.content()).not.toContain(created);

      // Rotate with no overlap: a new key is shown once, the old one is refused at once.
      await keyRow(page, "billing-service")
        .getByRole("button", { name: /^Rotate key pb_/ })
        .click();
      const dialog = page.getByRole("dialog");
      await expect(dialog.getByRole("heading").textContent()).resolves.toMatch(/^Rotate key pb_/);
      await dialog.getByLabel("The old key keeps working for").selectOption("0");
      await dialog.getByRole("button", { name: "Rotate key" }).click();
      await newKey(page).waitFor();
      const rotated = (await newKey(page).textContent()) ?? "";
      expect(rotated).toMatch(/^pb_/);
      expect(rotated).not.toBe(created);
      expect(await catalogStatus(rotated)).toBe(200);
      await expect.poll(() => catalogStatus(created), { timeout: 10_000 }).toBe(401);

      // Revoke the new key: cancel first (nothing happens), then confirm.
      const rows = page.locator("#keys tbody tr").filter({ hasText: "billing-service" });
      await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
      const activeRow = rows.filter({ has: page.getByRole("button", { name: /^Revoke key/ }) });
      await activeRow.getByRole("button", { name: /^Revoke key/ }).click();
      await dialog.getByRole("button", { name: "Cancel" }).click();
      expect(await catalogStatus(rotated)).toBe(200);
      await activeRow.getByRole("button", { name: /^Revoke key/ }).click();
      await screenshot(page, "keys-revoke-dialog");
      await dialog.getByRole("button", { name: "Revoke key" }).click();
      await expect.poll(() => message(page).textContent(), { timeout: 10_000 }).toMatch(/was revoked/);
      expect(await catalogStatus(rotated)).toBe(401);
      // The list reloads after the message: the revoked key shows as such.
      await expect
        .poll(() => rows.locator('td[data-label="State"] .badge').allTextContents(), { timeout: 10_000 })
        .toContain("revoked");

      // The key in use stays in this tab's sessionStorage only.
      await expect(page.evaluate(`sessionStorage.getItem(${JSON.stringify(KEY_STORAGE)})`)).resolves.toBe(
        t.adminKey,
      );
      await expect(page.evaluate("localStorage.length")).resolves.toBe(0);
      expect(await context.cookies()).toEqual([]);
      expect(page.url()).toBe(`${t.url}/admin/keys`);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("says what a key without the admin scope may not do, and refuses a form without scopes", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, problems } = await openConsolePage(context, t.url, "/admin/keys", [403]);
      await useKey(page, await t.createKey(["connections", "execute"], "not-admin"));
      await expect.poll(() => message(page).textContent(), { timeout: 10_000 }).toContain("403");
      await useKey(page, t.adminKey);
      await page.locator("#keys tbody tr").first().waitFor();
      await page.getByLabel("Subject").fill("someone");
      await page.getByRole("button", { name: "Create key" }).click();
      await expect(message(page).textContent()).resolves.toBe("Choose at least one scope.");
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("fits a 420 px wide screen and has no serious or critical axe-core violations", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, problems } = await openConsolePage(context, t.url, "/admin/keys");
      await useKey(page, t.adminKey);
      await page.locator("#keys tbody tr").first().waitFor();
      await expectNoSeriousAxeViolations(page);
      await expectFitsNarrowScreen(page);
      await screenshot(page, "keys-narrow");
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
