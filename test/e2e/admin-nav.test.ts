import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_PAGES } from "../../src/server/admin/index.ts";
import { ADMIN_NAV, expectAdminNav } from "../support/admin-page-checks.ts";
import {
  expectFitsNarrowScreen,
  launchChromium,
  noChromium,
  openConsolePage,
  screenshot,
} from "../support/console-browser.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// Every admin page the server's route table serves carries the one navigation, in one order, marking itself
// as the current page; it works at 420 px and by keyboard. Pages join this test by joining the route table.

describe.skipIf(noChromium)("the admin navigation on every admin page", () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it("serves every page of the route table, and each is a link of the navigation", () => {
    expect(ADMIN_PAGES.length).toBeGreaterThanOrEqual(6);
    const linked = ADMIN_NAV.map(([, path]) => path);
    for (const page of ADMIN_PAGES) expect(linked, page).toContain(page);
  });

  it.each([...ADMIN_PAGES])("%s has the navigation, marks itself current, and fits 420 px", async (path) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, problems } = await openConsolePage(context, t.url, path);
      await expectAdminNav(page, path);
      await expectFitsNarrowScreen(page);
      if (path === "/admin/overview") await screenshot(page, "nav-narrow");
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("leads from page to page by keyboard, each link of a served page answering 200", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, problems } = await openConsolePage(context, t.url, "/admin/overview");
      // The navigation comes first: Tab reaches its links in order.
      await page.keyboard.press("Tab");
      await expect(page.evaluate("document.activeElement?.textContent")).resolves.toBe("Overview");
      const served = ADMIN_NAV.filter(([, path]) => ADMIN_PAGES.includes(path));
      const target = served.find(([, path]) => path !== "/admin/overview");
      if (target === undefined) throw new Error("no other served page");
      const steps = ADMIN_NAV.findIndex(([, path]) => path === target[1]);
      for (let i = 0; i < steps; i++) await page.keyboard.press("Tab");
      await expect(page.evaluate("document.activeElement?.textContent")).resolves.toBe(target[0]);
      await Promise.all([page.waitForURL(`${t.url}${target[1]}`), page.keyboard.press("Enter")]);
      await expectAdminNav(page, target[1]);
      for (const [, path] of served) {
        const response = await fetch(`${t.url}${path}`);
        expect({ path, status: response.status }).toEqual({ path, status: 200 });
        await response.arrayBuffer();
      }
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
