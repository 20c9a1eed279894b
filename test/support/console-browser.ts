import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";

/** Debian's Chromium; CI installs it (.ci/run). */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether browser tests may skip here: only on a developer machine without Chromium, never in CI. */
export const noChromium = !existsSync(CHROMIUM) && process.env.CI !== "true";

/** Where the console tests keep their screenshots (gitignored). */
export const CONSOLE_ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/console/", import.meta.url));

const AXE = fileURLToPath(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url));

/** Headless Chromium as the admin page tests run it: no network of its own, nothing but the test server. */
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

/** A console page opened in a context, and what went wrong in it (console errors, page errors, HTTP ≥ 400). */
export interface OpenedPage {
  page: Page;
  problems: string[];
  requests: string[];
}

/**
 * Opens `path` of the server in a new page of `context`, recording problems: `allowStatus` lists the
 * HTTP statuses the test itself provokes (e.g. a refused credential test answers 400).
 */
export async function openConsolePage(
  context: BrowserContext,
  base: string,
  path: string,
  allowStatus: readonly number[] = [],
): Promise<OpenedPage> {
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => {
    const url = message.location().url;
    // The browser asks for /favicon.ico on its own, and logs each failed fetch the page made (those are
    // judged below by their status).
    if (
      message.type() === "error" &&
      !url.endsWith("/favicon.ico") &&
      !message.text().includes("status of")
    ) {
      problems.push(`console: ${message.text()} (${url})`);
    }
  });
  page.on("pageerror", (error) => problems.push(`page: ${error.message}`));
  page.on("response", (response) => {
    if (
      response.status() >= 400 &&
      !response.url().endsWith("/favicon.ico") &&
      !allowStatus.includes(response.status())
    ) {
      problems.push(`http ${response.status()}: ${response.url()}`);
    }
  });
  const response = await page.goto(`${base}${path}`);
  expect(response?.status()).toBe(200);
  return { page, problems, requests };
}

/** Pastes a key into the page's key form and uses it, as an operator would. */
export async function useKey(page: Page, key: string): Promise<void> {
  await page.getByLabel("API key", { exact: false }).first().fill(key);
  await page.getByRole("button", { name: "Use key" }).click();
}

/** Saves a full-page screenshot as test-artifacts/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(CONSOLE_ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${CONSOLE_ARTIFACTS}${name}.png`, fullPage: true });
}

/** axe-core (a pinned dev dependency) finds no serious or critical violation on the page as it is now. */
export async function expectNoSeriousAxeViolations(page: Page): Promise<void> {
  // Evaluated through the browser's debugging protocol, which the page's CSP does not govern.
  await page.evaluate(readFileSync(AXE, "utf8"));
  const violations = (await page.evaluate(
    "axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) })))",
  )) as { id: string; impact: string; nodes: string[] }[];
  expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
}

/**
 * At a 420 px wide viewport the page scrolls only down: nothing is wider than the window, and every link of
 * the admin navigation lies within it.
 */
export async function expectFitsNarrowScreen(page: Page): Promise<void> {
  await page.setViewportSize({ width: 420, height: 900 });
  const widths = (await page.evaluate(
    "({ page: document.documentElement.scrollWidth, window: window.innerWidth })",
  )) as { page: number; window: number };
  expect(widths.page).toBeLessThanOrEqual(widths.window);
  const links = page.getByRole("navigation", { name: "Admin pages" }).getByRole("link");
  for (const box of await links.evaluateAll((elements) =>
    elements.map((a) => {
      const r = a.getBoundingClientRect();
      return { left: r.left, right: r.right, width: r.width };
    }),
  )) {
    expect(box.width).toBeGreaterThan(0);
    expect(box.left).toBeGreaterThanOrEqual(0);
    expect(box.right).toBeLessThanOrEqual(420);
  }
}
