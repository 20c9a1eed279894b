import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OverviewData } from "../../src/metrics/index.ts";
import {
  ADMIN_NAV,
  adminWebFile,
  expectAdminFiles,
  expectAdminNav,
  expectAdminPageMethods,
} from "../support/admin-page-checks.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The overview admin page (/admin/overview) in headless Chromium against a real server that samples its
// own metrics every second: real traffic (Execute calls that succeed and fail, REST calls, refused
// calls) shows in its charts; its data endpoint needs an admin key.

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));
const WEB = adminWebFile;
const KEY_STORAGE = "patchbay.adminKey";
const DATA = "/admin/overview/data";

type Data = OverviewData & { enabled: boolean };

// CI installs Chromium (.ci/run) and must never skip this; a developer machine without it may.
describe.skipIf(!existsSync(CHROMIUM) && process.env.CI !== "true")(
  `the overview admin page in headless Chromium (${CHROMIUM}; apt-get install -y chromium)`,
  () => {
    let t: TestServer;
    let browser: Browser;
    let executeKey = "";

    const execute = async (body: unknown, key = executeKey): Promise<number> => {
      const response = await fetch(`${t.url}/patchbay.v1.ExecuteService/Execute`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      return response.status;
    };
    const rest = async (path: string, key: string): Promise<number> => {
      const response = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      await response.arrayBuffer();
      return response.status;
    };

    /** A round of real traffic: Execute calls that succeed and fail, REST calls, refused calls. */
    async function traffic(): Promise<void> {
      for (let i = 0; i < 3; i++) {
        expect(
          await execute({ connectorSlug: "echo", command: "echo", params: { message: `hi ${i}` } }),
        ).toBe(200);
      }
      expect(await execute({ connectorSlug: "echo", command: "no-such-command" })).toBe(400);
      expect(await rest("/api/v1/connectors", executeKey)).toBe(403);
      expect(await rest("/api/v1/connectors", t.adminKey)).toBe(200);
      expect(await rest("/api/v1/connectors", "pb_notAKeyAtAll0000000000000000")).toBe(401);
    }

    async function data(key = t.adminKey): Promise<Data> {
      const response = await fetch(`${t.url}${DATA}`, { headers: { authorization: `Bearer ${key}` } });
      expect(response.status).toBe(200);
      return (await response.json()) as Data;
    }

    /** Keeps real traffic flowing (a bounded loop) while `body` runs. */
    async function withTraffic<T>(body: () => Promise<T>): Promise<T> {
      let going = true;
      const loop = (async () => {
        for (let round = 0; going && round < 600; round++) {
          await traffic();
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      })();
      try {
        return await body();
      } finally {
        going = false;
        await loop;
      }
    }

    async function openPage(
      context: BrowserContext,
    ): Promise<{ page: Page; problems: string[]; requests: string[] }> {
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      page.on("console", (message) => {
        if (message.type() === "error" && !message.location().url.endsWith("/favicon.ico")) {
          problems.push(`console: ${message.text()} (${message.location().url})`);
        }
      });
      page.on("pageerror", (error) => problems.push(`page: ${error.message}`));
      page.on("response", (response) => {
        if (response.status() >= 400 && !response.url().endsWith("/favicon.ico")) {
          problems.push(`http ${response.status()}: ${response.url()}`);
        }
      });
      const response = await page.goto(`${t.url}/admin/overview`);
      expect(response?.status()).toBe(200);
      return { page, problems, requests };
    }

    async function useKey(page: Page, key: string): Promise<void> {
      await page.getByLabel("API key").fill(key);
      await page.getByRole("button", { name: "Use key" }).click();
    }

    const message = (page: Page) => page.locator("#message");
    const chart = (page: Page, id: string) => page.locator(`figure[data-chart="${id}"]`);
    const summary = (page: Page, id: string) => chart(page, id).locator(".chart-summary").textContent();
    const dataCalls = (requests: string[]) => requests.filter((url) => url.endsWith(DATA)).length;
    /** The number after `latest` (or `highest`) in a chart's summary. */
    const figureOf = (text: string | null, word: "latest" | "highest") =>
      Number(new RegExp(`${word} ([0-9.]+)`).exec(text ?? "")?.[1] ?? Number.NaN);
    const setVisibility = (page: Page, visibility: "hidden" | "visible") =>
      page.evaluate(
        `Object.defineProperty(document, "visibilityState", { value: "${visibility}", configurable: true });` +
          'document.dispatchEvent(new Event("visibilitychange"))',
      );

    beforeAll(async () => {
      t = await startTestServer("postgresql", {
        PATCHBAY_METRICS_SAMPLE_MS: "1000",
        // The traffic loop below is no test of the rate limits.
        PATCHBAY_RATE_LIMITS: "off",
      });
      executeKey = await t.createKey(["execute"], "overview-user");
      browser = await chromium.launch({
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
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await t?.stop();
    });

    it("serves the page and its script with no-store, a strict CSP, nosniff and no referrer", async () => {
      await expectAdminFiles(t.url, [
        ["/admin/overview", "text/html; charset=utf-8", "overview.html"],
        ["/admin/overview.js", "text/javascript; charset=utf-8", "overview.js"],
      ]);
      await expectAdminPageMethods(t.url, "overview");
      // The home page links it.
      const home = await fetch(`${t.url}/`, { headers: { accept: "application/json" } });
      expect(((await home.json()) as { links: Record<string, string> }).links.overview).toBe(
        "/admin/overview",
      );
    });

    it("answers the data to the operator's admin keys only: 401 without a known key, 403 without the admin scope or from another tenant", async () => {
      const get = (headers: Record<string, string> = {}, method = "GET") =>
        fetch(`${t.url}${DATA}`, { method, headers });
      const refused = async (response: Response, status: number, code: string) => {
        expect(response.status).toBe(status);
        expect(response.headers.get("content-type")).toBe("application/json");
        expect(response.headers.get("cache-control")).toBe("no-store");
        const body = (await response.json()) as Record<string, unknown>;
        expect(Object.keys(body).sort()).toEqual(["code", "message"]);
        expect(body.code).toBe(code);
        return body;
      };
      await refused(await get(), 401, "unauthenticated");
      await refused(
        await get({ authorization: "Bearer pb_notAKeyAtAll0000000000000000" }),
        401,
        "unauthenticated",
      );
      await refused(await get({ authorization: "Basic YWRtaW46YWRtaW4=" }), 401, "unauthenticated");
      // A revoked admin key is no key.
      const revoked = await t.createKey(["admin"], "gone");
      await t.revokeKey(revoked);
      await refused(await get({ authorization: `Bearer ${revoked}` }), 401, "unauthenticated");
      // Keys of every other scope, an agent key among them, are refused.
      const agentKey = (
        await t.server.keys.create({
          tenantId: "default",
          subject: "dc-1 agents",
          name: "agent",
          scopes: ["agent"],
          agentPool: "dc-1",
        })
      ).key;
      for (const key of [
        executeKey,
        await t.createKey(["webhooks:admin", "catalog:read", "catalog:write", "connections", "mcp"]),
        agentKey,
      ]) {
        const body = await refused(await get({ authorization: `Bearer ${key}` }), 403, "permission_denied");
        expect(body.message).toBe("API key lacks scope 'admin'");
      }
      // The charts are every tenant's traffic: another tenant's admin key is refused, and learns nothing.
      const theirs = await refused(
        await get({ authorization: `Bearer ${await t.createKey(["admin"], "their-admin", "tenant-b")}` }),
        403,
        "permission_denied",
      );
      expect(theirs.message).toBe(
        "the overview shows every tenant's traffic: it needs an admin key of the operator's tenant (default)",
      );

      // The admin key, as a bearer token or X-API-Key.
      for (const headers of [{ authorization: `Bearer ${t.adminKey}` }, { "x-api-key": t.adminKey }]) {
        const response = await get(headers);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe("application/json");
        expect(response.headers.get("cache-control")).toBe("no-store");
        expect(response.headers.get("x-content-type-options")).toBe("nosniff");
        const body = (await response.json()) as Data;
        expect(body.enabled).toBe(true);
        expect(body.sampleSeconds).toBe(1);
        expect(body.windowSeconds).toBe(240);
        expect(Object.keys(body.charts).sort()).toEqual([
          "executeP50",
          "executeP99",
          "rpcErrors",
          "rpcRate",
          "sandboxBreaches",
          "webhookDeliveries",
          "webhookOldestJob",
          "webhookQueueDepth",
        ]);
      }
      expect((await get({ authorization: `Bearer ${t.adminKey}` }, "POST")).status).toBe(405);
      const head = await get({ authorization: `Bearer ${t.adminKey}` }, "HEAD");
      expect(head.status).toBe(200);
      expect(await head.text()).toBe("");
    });

    it("charts the traffic's calls, errors and Execute latency, at 1280 and 420 px and from the keyboard", async () => {
      await traffic();
      // The server's own history sees it: calls per second, an error share, echo's p99.
      await expect
        .poll(
          async () => {
            const { charts } = await data();
            const rate = Math.max(0, ...(charts.rpcRate.series[0]?.values ?? []).map((v) => v ?? 0));
            const errors = Math.max(0, ...(charts.rpcErrors.series[0]?.values ?? []).map((v) => v ?? 0));
            const echo = charts.executeP99.series
              .find((s) => s.name === "echo")
              ?.values.some((v) => v !== null);
            return rate > 0 && errors > 0 && echo === true;
          },
          { timeout: 60_000, interval: 500 },
        )
        .toBe(true);
      const snapshot = await data();
      // No tenant data: the connectors are built-in ones or `tenant`.
      for (const s of snapshot.charts.executeP99.series)
        expect(["echo", "tenant", "other"]).toContain(s.name);

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        const { page, problems, requests } = await openPage(context);
        await expect(message(page).textContent()).resolves.toContain("Paste an API key");
        const nav = page.getByRole("navigation", { name: "Admin pages" });
        await expectAdminNav(page, "/admin/overview");

        await useKey(page, t.adminKey);
        await chart(page, "rpc-rate").waitFor();
        await expect(message(page).isHidden()).resolves.toBe(true);
        // Eight charts, each a figure named by its title and described by its summary.
        await expect(page.locator("#charts figure").count()).resolves.toBe(8);
        await expect(page.getByRole("figure", { name: "RPC calls per second" }).count()).resolves.toBe(1);
        await expect(page.getByRole("heading", { name: "Execute p99 by connector" }).count()).resolves.toBe(
          1,
        );

        // While traffic flows, the RPC rate's latest value is above zero (the page refreshed by hand).
        await withTraffic(() =>
          expect
            .poll(
              async () => {
                await page.getByRole("button", { name: "Refresh" }).click();
                return figureOf(await summary(page, "rpc-rate"), "latest");
              },
              { timeout: 60_000, interval: 1500 },
            )
            .toBeGreaterThan(0),
        );
        expect(await summary(page, "rpc-rate")).toMatch(
          /^latest [0-9.]+ calls\/s, highest [0-9.]+ calls\/s \(at \d\d:\d\d:\d\d UTC\)\.$/,
        );
        expect(figureOf(await summary(page, "rpc-errors"), "highest")).toBeGreaterThan(0);
        const p99 = await summary(page, "execute-p99");
        expect(p99).toMatch(/echo: latest [0-9.]+ (ms|s), highest [0-9.]+ (ms|s)/);
        await expect(chart(page, "execute-p99").locator(".legend li").allTextContents()).resolves.toContain(
          "echo",
        );
        // Each chart with values draws a line, and names its axes.
        for (const id of ["rpc-rate", "rpc-errors", "execute-p50", "execute-p99"]) {
          await expect(chart(page, id).locator("svg path.line").count(), id).resolves.toBeGreaterThan(0);
          await expect(chart(page, id).locator("svg .axis-label").allTextContents(), id).resolves.toContain(
            "time (UTC)",
          );
        }
        await expect(chart(page, "rpc-rate").locator("svg .axis-label").first().textContent()).resolves.toBe(
          "calls/s",
        );
        // Webhook charts: drawn when this server has the metrics, "no data" otherwise.
        const fresh = await data();
        for (const [id, key] of [
          ["webhook-deliveries", "webhookDeliveries"],
          ["webhook-queue-depth", "webhookQueueDepth"],
          ["webhook-oldest-job", "webhookOldestJob"],
        ] as const) {
          const text = await summary(page, id);
          if (fresh.charts[key].available) expect(text, id).not.toContain("exposes no");
          else {
            expect(text, id).toMatch(/^No data: this server exposes no webhook/);
            await expect(chart(page, id).locator("svg .no-data").textContent()).resolves.toBe("no data");
          }
        }
        await expect(summary(page, "sandbox-breaches")).resolves.toBe("No data in this window.");

        // The key is in this tab's sessionStorage only, under the entry the other admin pages share.
        await expect(page.evaluate(`sessionStorage.getItem(${JSON.stringify(KEY_STORAGE)})`)).resolves.toBe(
          t.adminKey,
        );
        await expect(page.evaluate("localStorage.length")).resolves.toBe(0);
        expect(await context.cookies()).toEqual([]);
        expect(page.url()).toBe(`${t.url}/admin/overview`);

        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: `${ARTIFACTS}admin-overview.png`, fullPage: true });

        // The keyboard reaches every control, in order; the key serves the agents page in this tab too.
        await page.reload();
        await chart(page, "rpc-rate").waitFor();
        const reached: string[] = [];
        while (reached.at(-1) !== "refresh" && reached.length < 20) {
          await page.keyboard.press("Tab");
          reached.push(
            String(
              await page.evaluate(
                "document.activeElement?.id || document.activeElement?.textContent?.trim() || ''",
              ),
            ),
          );
        }
        expect(reached).toEqual([
          ...ADMIN_NAV.map(([label]) => label),
          "api-key",
          "use-key",
          "forget-key",
          "refresh",
        ]);
        const before = dataCalls(requests);
        await page.keyboard.press("Enter");
        await expect.poll(() => dataCalls(requests)).toBeGreaterThan(before);

        // 420 px wide: one column, no sideways scrolling, charts as wide as the page allows.
        await page.setViewportSize({ width: 420, height: 900 });
        await expect
          .poll(() => page.evaluate("document.documentElement.scrollWidth"))
          .toBeLessThanOrEqual(420);
        await expect
          .poll(() =>
            chart(page, "rpc-rate")
              .locator("svg")
              .evaluate((svg) => svg.getBoundingClientRect().width),
          )
          .toBeLessThanOrEqual(400);
        await page.screenshot({ path: `${ARTIFACTS}admin-overview-420.png`, fullPage: true });

        expect(requests.filter((url) => !url.startsWith(`${t.url}/`))).toEqual([]);
        expect(requests.some((url) => url.includes(t.adminKey))).toBe(false);
        expect(problems).toEqual([]);

        // The key serves the other admin pages of this tab: the nav leads to the agents page, keyed.
        await Promise.all([
          page.waitForURL(`${t.url}/admin/agents`),
          nav.getByRole("link", { name: "Agents" }).click(),
        ]);
        await expect.poll(() => page.locator("#key-state").textContent()).toBe("A key is set for this tab.");
      } finally {
        await context.close();
      }
    }, 240_000);

    // axe-core (a pinned dev dependency) checks the page, charts drawn, as a screen-reader user meets it.
    it("has no serious or critical axe-core violations", async () => {
      const context = await browser.newContext();
      try {
        const { page } = await openPage(context);
        await useKey(page, t.adminKey);
        await chart(page, "rpc-rate").waitFor();
        // Evaluated through the browser's debugging protocol, which the page's CSP does not govern.
        await page.evaluate(
          readFileSync(
            fileURLToPath(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url)),
            "utf8",
          ),
        );
        const violations = (await page.evaluate(
          "axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact })))",
        )) as { id: string; impact: string }[];
        expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
      } finally {
        await context.close();
      }
    }, 120_000);

    it("refreshes every 15 seconds while the tab is visible, and not while it is hidden", async () => {
      const context = await browser.newContext();
      try {
        const { page, requests } = await openPage(context);
        await useKey(page, t.adminKey);
        await chart(page, "rpc-rate").waitFor();
        const first = dataCalls(requests);
        await expect.poll(() => dataCalls(requests), { timeout: 60_000 }).toBeGreaterThan(first);

        await setVisibility(page, "hidden");
        const hidden = dataCalls(requests);
        await new Promise((resolve) => setTimeout(resolve, 17_000));
        expect(dataCalls(requests)).toBe(hidden);

        await setVisibility(page, "visible");
        await expect.poll(() => dataCalls(requests), { timeout: 30_000 }).toBeGreaterThan(hidden);
      } finally {
        await context.close();
      }
    }, 150_000);

    it("says when a key is not an admin key or is unknown, and shows no charts then", async () => {
      const context = await browser.newContext();
      try {
        const { page } = await openPage(context);
        await useKey(page, executeKey);
        await expect
          .poll(() => message(page).textContent())
          .toBe(
            "Permission denied (403): the overview shows every tenant's traffic, so it needs an admin key of the operator's tenant (default).",
          );
        await expect(page.locator("#charts figure").count()).resolves.toBe(0);
        await useKey(page, "pb_notAKeyAtAll0000000000000000");
        await expect.poll(() => message(page).textContent()).toContain("This key was not accepted (401");
        await expect(page.locator("#charts figure").count()).resolves.toBe(0);

        await useKey(page, t.adminKey);
        await chart(page, "rpc-rate").waitFor();
        await page.getByRole("button", { name: "Forget key" }).click();
        await expect(page.evaluate("sessionStorage.length")).resolves.toBe(0);
        await expect(message(page).textContent()).resolves.toContain("The key was forgotten");
        await expect(page.locator("#charts figure").count()).resolves.toBe(0);
      } finally {
        await context.close();
      }
    });

    it("writes data into the page as text only and keeps the key out of other storage", () => {
      // Comments may name what the code avoids; the code itself must not use it.
      const script = ["overview.js", "admin-common.js"]
        .map((file) => readFileSync(WEB(file), "utf8"))
        .join("\n")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "");
      for (const sink of [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "localStorage",
        "document.cookie",
        "console.",
        "eval(",
      ]) {
        expect(script, sink).not.toContain(sink);
      }
      // Every admin page links the overview.
      for (const file of ["overview.html", "agents.html", "connector-events.html"]) {
        const html = readFileSync(WEB(file), "utf8");
        expect(html, file).toContain('<a href="/admin/overview"');
        expect(html, file).not.toMatch(/(src|href)="(https?:)?\/\//);
        expect(html, file).not.toMatch(/<script>|style="/);
      }
    });
  },
);
