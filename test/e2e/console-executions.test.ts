import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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

// The console's executions page (/admin/executions) in headless Chromium against a real server with real
// Execute calls behind it: the log lists what ListExecutions lists under the same filters, a record's
// details show its diagnostics, and the charts count the runs, the failures and their durations.

interface Execution {
  id: string;
  connectorSlug: string;
  command: string;
  status: string;
  errorCode?: string;
  message?: string;
}

describe.skipIf(noChromium)("the console's executions page in headless Chromium", () => {
  let t: TestServer;
  let browser: Browser;
  let executeKey = "";
  let failed: Execution;
  let upstreamFailure: Execution;
  let upstream: Server;

  const execute = async (slug: string, body: unknown): Promise<number> => {
    const response = await fetch(`${t.url}/api/v1/connectors/${slug}/execute`, {
      method: "POST",
      headers: { authorization: `Bearer ${executeKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  };
  /** What the API lists under these REST filters, with the admin key the page uses too. */
  const listed = async (search = ""): Promise<Execution[]> => {
    const response = await fetch(`${t.url}/api/v1/executions${search}`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { executions?: Execution[] }).executions ?? [];
  };
  const shownIds = (page: Page) =>
    page
      .locator("#executions tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-execution-id")));
  const summary = (page: Page, id: string) =>
    page.locator(`figure[data-chart="${id}"] .chart-summary`).textContent();
  const applyFilters = (page: Page) => page.getByRole("button", { name: "Apply filters" }).click();

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    executeKey = await t.createKey(["execute"], "runner");
    // Six runs that succeed, over two connectors and commands, and two refused for a bad param.
    for (let i = 0; i < 4; i++)
      expect(await execute("echo", { command: "echo", params: { message: `hi ${i}` } })).toBe(200);
    for (const delayMs of [1, 2])
      expect(await execute("delay", { command: "wait", params: { delayMs } })).toBe(200);
    for (let i = 0; i < 2; i++)
      expect(await execute("delay", { command: "wait", params: { delayMs: "soon" } })).toBe(400);
    // And one HTTP request to a loopback upstream that answers 503: its record keeps the status as diagnostics.
    upstream = createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((listening) => upstream.listen(0, "127.0.0.1", listening));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/down`;
    expect(await execute("http", { command: "request", params: { url } })).not.toBe(200);
    // Records are written in batches; the list flushes them first.
    const all = await listed();
    expect(all).toHaveLength(9);
    const first = all.find((e) => e.status === "failed" && e.connectorSlug === "delay");
    const http = all.find((e) => e.connectorSlug === "http");
    if (first === undefined || http === undefined) throw new Error("a failed execution was not recorded");
    failed = first;
    upstreamFailure = http;
    expect(failed.errorCode).toMatch(/^[A-Z_]+$/);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    if (upstream !== undefined) await new Promise((closed) => upstream.close(closed));
  });

  it("serves the page and its scripts with no-store, a strict CSP, nosniff and no referrer", async () => {
    await expectAdminFiles(t.url, [
      ["/admin/executions", "text/html; charset=utf-8", "executions.html"],
      ["/admin/executions.js", "text/javascript; charset=utf-8", "executions.js"],
      ["/admin/execution-stats.js", "text/javascript; charset=utf-8", "execution-stats.js"],
      ["/admin/admin-chart.js", "text/javascript; charset=utf-8", "admin-chart.js"],
    ]);
    await expectAdminPageMethods(t.url, "executions");
  });

  it("lists the log, filters it like ListExecutions, shows a record's diagnostics, and charts it", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    try {
      const { page, problems } = await openConsolePage(context, t.url, "/admin/executions");
      await expectAdminNav(page, "/admin/executions");
      await useKey(page, t.adminKey);
      await expect.poll(() => shownIds(page), { timeout: 10_000 }).toEqual((await listed()).map((e) => e.id));

      // The charts count every run of the last hour, the failed share and the durations.
      // The runs all fall in the newest bucket: the latency lines are a dot each.
      await page.locator('figure[data-chart="latency"] circle.dot').first().waitFor();
      await expect(page.locator("#chart-note").textContent()).resolves.toMatch(/^9 runs, 3 failed, /);
      await expect(summary(page, "rate")).resolves.toMatch(/^runs: highest [0-9.]+ per min/);
      await expect(summary(page, "errors")).resolves.toMatch(/^failed: highest [0-9.]+ %/);
      await expect(summary(page, "latency")).resolves.toMatch(/^p50: highest .*; p99: highest /);
      await expect(
        page
          .getByRole("list", { name: "Duration p50 and p99: lines" })
          .getByRole("listitem")
          .allTextContents(),
      ).resolves.toEqual(["p50", "p99"]);
      await screenshot(page, "executions-all");

      // Filters by keyboard: connector, command and status, Enter applies them.
      await page.getByLabel("Connector").focus();
      await page.keyboard.type("delay");
      await page.keyboard.press("Tab");
      await page.keyboard.type("wait");
      await page.keyboard.press("Tab");
      await page.keyboard.press("f"); // the status select: "failed"
      await page.keyboard.press("Tab");
      expect(await page.evaluate("document.activeElement?.id")).toBe("filter-error-code");
      await page.keyboard.press("Enter");
      const failures = await listed("?connectorSlug=delay&command=wait&status=failed");
      expect(failures).toHaveLength(2);
      await expect.poll(() => shownIds(page), { timeout: 10_000 }).toEqual(failures.map((e) => e.id));
      await expect
        .poll(() => page.locator("#chart-note").textContent(), { timeout: 10_000 })
        .toMatch(/^2 runs, 2 failed/);

      // The error code filter is exact: the code matches, a part of it does not.
      await page.getByLabel("Error code").fill(failed.errorCode ?? "");
      await applyFilters(page);
      await expect.poll(() => shownIds(page), { timeout: 10_000 }).toEqual(failures.map((e) => e.id));
      await page.getByLabel("Error code").fill((failed.errorCode ?? "").slice(0, 4));
      await applyFilters(page);
      await expect.poll(() => page.locator("#executions-empty").isVisible(), { timeout: 10_000 }).toBe(true);
      // The chart reads the same filters in calls of its own: it follows.
      await expect.poll(() => summary(page, "rate"), { timeout: 10_000 }).toBe("No runs in this window.");

      // A time window that ended before the runs lists none; one around them lists them.
      await page.getByRole("button", { name: "Clear" }).click();
      await page.getByLabel("To", { exact: true }).fill("2020-01-01T00:00:00");
      await applyFilters(page);
      await expect.poll(() => page.locator("#executions-empty").isVisible(), { timeout: 10_000 }).toBe(true);
      await page.getByRole("button", { name: "Clear" }).click();
      await expect.poll(() => shownIds(page), { timeout: 10_000 }).toHaveLength(9);

      // Details of the failed HTTP request: its error code, message and diagnostics, from GetExecution.
      await page
        .locator(`#executions tbody tr[data-execution-id="${upstreamFailure.id}"]`)
        .getByRole("button", { name: /^Details of request at / })
        .click();
      const detail = page.locator("#detail");
      await detail.waitFor();
      await expect(page.evaluate("document.activeElement?.id")).resolves.toBe("detail");
      await expect(detail.locator("dd").allTextContents()).resolves.toEqual(
        expect.arrayContaining([upstreamFailure.id, upstreamFailure.errorCode, upstreamFailure.message]),
      );
      await expect(detail.locator("#detail-diagnostics").textContent()).resolves.toBe(
        JSON.stringify({ statusCode: 503 }, null, 2),
      );
      await screenshot(page, "executions-detail");
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("computes each bucket's runs per minute (mocked ones apart), failed share and nearest-rank p50/p99 (execution-stats.js)", async () => {
    const context = await browser.newContext();
    try {
      const { page, problems } = await openConsolePage(context, t.url, "/admin/executions");
      // 30 buckets of one minute from 00:00; records at 00:00:10 (four: one failed, one still running, and
      // two mocked, one of them failed) and 00:05:30 (one), one outside the window.
      const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
      const records = [
        { createTime: at(10), status: "succeeded", durationMs: 100 },
        { createTime: at(11), status: "succeeded", durationMs: 300 },
        { createTime: at(12), status: "failed", durationMs: 200 },
        { createTime: at(13), status: "running", durationMs: 0 },
        { createTime: at(14), status: "succeeded", durationMs: 1, mockScenario: "default" },
        { createTime: at(15), status: "failed", durationMs: 1, mockScenario: "nope" },
        { createTime: at(330), status: "succeeded", durationMs: 50 },
        { createTime: at(1800), status: "succeeded", durationMs: 9 },
      ];
      const data = (await page.evaluate(
        `import("/admin/execution-stats.js").then((m) => m.bucketize(${JSON.stringify(records)}, ${Date.parse(at(0))}, ${Date.parse(at(1800))}))`,
      )) as {
        runs: number;
        mocked: number;
        failed: number;
        stepMs: number;
        times: number[];
        charts: Record<string, { series: { name: string; values: (number | null)[] }[] }>;
      };
      expect({ runs: data.runs, mocked: data.mocked, failed: data.failed, stepMs: data.stepMs }).toEqual({
        runs: 5,
        mocked: 2,
        failed: 1,
        stepMs: 60_000,
      });
      expect(data.times).toHaveLength(30);
      expect(data.times[0]).toBe(Date.parse(at(60)));
      const series = (chart: string, index = 0) => data.charts[chart]?.series[index]?.values ?? [];
      // Mocked runs are a line of their own, and in neither the failed share nor the durations.
      expect(data.charts.rate?.series.map((line) => line.name)).toEqual(["runs", "mocked"]);
      expect(series("rate").slice(0, 6)).toEqual([4, 0, 0, 0, 0, 1]);
      expect(series("rate", 1).slice(0, 6)).toEqual([2, 0, 0, 0, 0, 0]);
      expect(series("errors").slice(0, 6)).toEqual([25, null, null, null, null, 0]);
      // p50 of 0.1, 0.2, 0.3 s is 0.2 s; p99 is 0.3 s; the running record has no duration yet.
      expect(series("latency", 0).slice(0, 6)).toEqual([0.2, null, null, null, null, 0.05]);
      expect(series("latency", 1).slice(0, 6)).toEqual([0.3, null, null, null, null, 0.05]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("says what a key without the execute scope may not read", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, problems } = await openConsolePage(context, t.url, "/admin/executions", [403]);
      await useKey(page, await t.createKey(["connections"], "no-execute"));
      await expect
        .poll(() => page.locator("#message").textContent(), { timeout: 10_000 })
        .toBe("Permission denied (403): the execution log needs a key with the execute scope.");
      await expect(page.locator("#executions tbody tr").count()).resolves.toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("fits a 420 px wide screen and has no serious or critical axe-core violations", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, problems } = await openConsolePage(context, t.url, "/admin/executions");
      await useKey(page, t.adminKey);
      await page.locator('figure[data-chart="rate"] path.line').waitFor();
      await expectNoSeriousAxeViolations(page);
      await expectFitsNarrowScreen(page);
      // The charts are redrawn for the narrow window, still within it.
      await expect
        .poll(() =>
          page.locator('figure[data-chart="rate"] svg').evaluate((svg) => svg.getBoundingClientRect().right),
        )
        .toBeLessThanOrEqual(420);
      await screenshot(page, "executions-narrow");
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
