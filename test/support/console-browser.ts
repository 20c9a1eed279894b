import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";

// What the console's browser tests (test/e2e/console-*.test.ts) share: Debian's Chromium driven by
// playwright-core, a page opened with every console error, page error and failed response recorded, the
// key form, the navigation, axe-core, and screenshots kept in the gitignored test/e2e/artifacts/.

/** Debian's Chromium (apt-get install -y chromium). */
export const CHROMIUM = "/usr/bin/chromium";

/** CI installs Chromium and must never skip; a developer machine without it may. */
export const skipWithoutChromium = !existsSync(CHROMIUM) && process.env.CI !== "true";

const ARTIFACTS = fileURLToPath(new URL("../e2e/artifacts/", import.meta.url));
const AXE = fileURLToPath(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url));

/** The admin navigation, in its order, as every page shows it. */
export const ADMIN_NAV = [
  "Overview",
  "Catalog",
  "Build",
  "Import",
  "Connections",
  "Executions",
  "Keys",
  "Connector events",
  "Agents",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** An opened page and what went wrong on it (console errors, page errors, 4xx/5xx answers). */
export interface OpenedPage {
  page: Page;
  problems: string[];
  requests: string[];
}

/**
 * Opens `url` in `context`, recording problems; `expectedStatuses` are answers the test provokes on
 * purpose (an unknown connector's 404), which are not problems.
 */
export async function openPage(
  context: BrowserContext,
  url: string,
  expectedStatuses: readonly number[] = [],
): Promise<OpenedPage> {
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => {
    // Chromium asks for /favicon.ico on its own; the server has none, and the page does not need one.
    // A refused call's status also shows as a console error; the response handler below judges those.
    if (
      message.type() === "error" &&
      !message.location().url.endsWith("/favicon.ico") &&
      !message.text().startsWith("Failed to load resource")
    ) {
      problems.push(`console: ${message.text()} (${message.location().url})`);
    }
  });
  page.on("pageerror", (error) => problems.push(`page: ${error.message}`));
  page.on("response", (response) => {
    if (
      response.status() >= 400 &&
      !response.url().endsWith("/favicon.ico") &&
      !expectedStatuses.includes(response.status())
    ) {
      problems.push(`http ${response.status()}: ${response.url()}`);
    }
  });
  const response = await page.goto(url);
  expect(response?.status()).toBe(200);
  return { page, problems, requests };
}

/** Types a key into the key form and submits it with the keyboard. */
export async function useKey(page: Page, key: string): Promise<void> {
  await page.getByLabel("API key").fill(key);
  await page.getByLabel("API key").press("Enter");
}

/** The page shows the admin navigation in order, with `current` marked as the current page. */
export async function expectAdminNav(page: Page, current: string): Promise<void> {
  const nav = page.getByRole("navigation", { name: "Admin pages" });
  await expect(nav.getByRole("link").allTextContents()).resolves.toEqual(ADMIN_NAV);
  const marked = await nav.locator('a[aria-current="page"]').allTextContents();
  expect(marked).toEqual([current]);
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousAxeViolations(
  page: Page,
): Promise<{ id: string; impact: string; nodes: string[] }[]> {
  // Evaluated through the browser's debugging protocol, which the page's CSP does not govern.
  await page.evaluate(readFileSync(AXE, "utf8"));
  const violations = (await page.evaluate(
    "axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) })))",
  )) as { id: string; impact: string; nodes: string[] }[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Keeps a full-page screenshot under test/e2e/artifacts/ (gitignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

/** At 420 px the page never scrolls sideways. */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  await page.setViewportSize({ width: 420, height: 900 });
  await expect.poll(() => page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(420);
}
