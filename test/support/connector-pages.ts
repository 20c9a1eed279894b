import type { Page } from "playwright-core";
import { expect } from "vitest";

// The navigation check of the console's connector page tests (catalog, build, import). Main's
// test/support/admin-page-checks.ts has the same table and check (ADMIN_NAV, expectAdminNav) from the
// other console pages' change: once both are in one tree, these tests can use that one instead.

/** The one navigation every admin page carries: label and path, in this order. */
const NAV: readonly (readonly [label: string, path: string])[] = [
  ["Overview", "/admin/overview"],
  ["Catalog", "/admin/catalog"],
  ["Build", "/admin/build"],
  ["Import", "/admin/import"],
  ["Connections", "/admin/connections"],
  ["Executions", "/admin/executions"],
  ["Keys", "/admin/keys"],
  ["Connector events", "/admin/connector-events"],
  ["Agents", "/admin/agents"],
];

/** The page shows the admin navigation in order and marks `current` (a path), and only it, as current. */
export async function expectConsoleNav(page: Page, current: string): Promise<void> {
  const found = await page
    .getByRole("navigation", { name: "Admin pages" })
    .getByRole("link")
    .evaluateAll((elements) =>
      elements.map((a) => [
        a.textContent?.trim() ?? "",
        a.getAttribute("href"),
        a.getAttribute("aria-current"),
      ]),
    );
  expect(found, current).toEqual(NAV.map(([label, path]) => [label, path, path === current ? "page" : null]));
}

/** Types a key into the key form and submits it from the keyboard (Enter in the field). */
export async function useKeyFromKeyboard(page: Page, key: string): Promise<void> {
  await page.getByLabel("API key").fill(key);
  await page.getByLabel("API key").press("Enter");
}
