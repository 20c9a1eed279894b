import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root } from "../cli/run-patchbay.ts";
import {
  ADMIN_NAV,
  adminWebFile,
  expectAdminFiles,
  expectAdminNav,
  expectAdminPageMethods,
} from "../support/admin-page-checks.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The agents admin page (/admin/agents) in headless Chromium against a real server with real agent
// processes (`patchbay agent`) connected: what it shows, its pool filter, its refresh, its errors.

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));
const WEB = adminWebFile;
const AXE = fileURLToPath(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url));
const KEY_STORAGE = "patchbay.adminKey";
const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;
const ONE = "page-agent-one";
const TWO = "page-agent-two";

/** Waits for `probe` to hold, checking every 100 ms, for at most a generous minute. */
async function until(probe: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface ApiAgent {
  agentId: string;
  pool: string;
  replicaId: string;
  connectors?: string[];
  inFlight?: number;
}

// CI installs Chromium (.ci/run) and must never skip this; a developer machine without it may.
describe.skipIf(!existsSync(CHROMIUM) && process.env.CI !== "true")(
  `the agents admin page in headless Chromium (${CHROMIUM}; apt-get install -y chromium)`,
  () => {
    let t: TestServer;
    let browser: Browser;
    const agents = new Map<string, ChildProcess>();

    /** A key of scope "agent" bound to `pool`. */
    const agentKey = async (pool: string) =>
      (
        await t.server.keys.create({
          tenantId: "default",
          subject: `${pool} agents`,
          name: "agent",
          scopes: ["agent"],
          agentPool: pool,
        })
      ).key;

    /** Starts `patchbay agent` in a process of its own; the key travels in its environment only. */
    const startAgent = (key: string, pool: string, id: string, more: string[]): void => {
      const child = spawn(
        process.execPath,
        [
          "bin/patchbay.js",
          "agent",
          "--url",
          t.url,
          "--pool",
          pool,
          "--allow",
          "127.0.0.2/32",
          "--id",
          id,
          ...more,
        ],
        {
          cwd: root,
          env: { PATH: process.env.PATH ?? "", PATCHBAY_AGENT_KEY: key },
          stdio: ["ignore", "ignore", "ignore"],
        },
      );
      agents.set(id, child);
    };

    const connected = (id: string) => t.server.agents.list("default").some((a) => a.agentId === id);

    async function listAgents(key = t.adminKey): Promise<{ status: number; agents: ApiAgent[] }> {
      const response = await fetch(`${t.url}/api/v1/agents`, { headers: { authorization: `Bearer ${key}` } });
      const json = (await response.json()) as { agents?: ApiAgent[] };
      return { status: response.status, agents: json.agents ?? [] };
    }

    async function openPage(
      context: BrowserContext,
    ): Promise<{ page: Page; problems: string[]; requests: string[] }> {
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      page.on("console", (message) => {
        // Chromium asks for /favicon.ico on its own; the server has none, and the page does not need one.
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
      const response = await page.goto(`${t.url}/admin/agents`);
      expect(response?.status()).toBe(200);
      return { page, problems, requests };
    }

    async function useKey(page: Page, key: string): Promise<void> {
      await page.getByLabel("API key").fill(key);
      await page.getByRole("button", { name: "Use key" }).click();
    }

    const message = (page: Page) => page.locator("#message");
    const row = (page: Page, id: string) => page.locator(`#pools tr[data-agent-id="${id}"]`);
    const col = (page: Page, id: string, name: string) =>
      row(page, id).locator(`td[data-col="${name}"]`).textContent();
    const poolsShown = async (page: Page) =>
      Promise.all((await page.locator("#pools section.pool").all()).map((s) => s.getAttribute("data-pool")));
    /** Tells the page its tab is hidden or visible again, as a browser does when the tab changes. */
    const setVisibility = (page: Page, visibility: "hidden" | "visible") =>
      page.evaluate(
        `Object.defineProperty(document, "visibilityState", { value: "${visibility}", configurable: true });` +
          'document.dispatchEvent(new Event("visibilitychange"))',
      );
    const agentCalls = (requests: string[]) =>
      requests.filter((url) => url.includes("/api/v1/agents")).length;

    beforeAll(async () => {
      t = await startTestServer("postgresql", { PATCHBAY_EGRESS_ALLOW: "" });
      startAgent(await agentKey("dc-1"), "dc-1", ONE, ["--name", "Rack 4"]);
      startAgent(await agentKey("dc-2"), "dc-2", TWO, [
        "--connector",
        "http",
        "--connector",
        "github",
        "--capacity",
        "8",
      ]);
      await until(() => connected(ONE) && connected(TWO));
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
      for (const child of agents.values()) child.kill("SIGKILL");
      await browser?.close();
      await t?.stop();
    });

    it("serves the page and its script with no-store, a strict CSP, nosniff and no referrer", async () => {
      await expectAdminFiles(t.url, [
        ["/admin/agents", "text/html; charset=utf-8", "agents.html"],
        ["/admin/agents.js", "text/javascript; charset=utf-8", "agents.js"],
        ["/admin/admin-common.js", "text/javascript; charset=utf-8", "admin-common.js"],
      ]);
      await expectAdminPageMethods(t.url, "agents");
    });

    it("shows the agents by pool with the admin key, narrows by pool, and works at 420 px and from the keyboard", async () => {
      const { agents: listed } = await listAgents();
      const one = listed.find((a) => a.agentId === ONE);
      const two = listed.find((a) => a.agentId === TWO);
      if (one === undefined || two === undefined) throw new Error("the agents are not listed");
      expect(one.inFlight).toBe(0);

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        const { page, problems, requests } = await openPage(context);
        await expect(message(page).textContent()).resolves.toContain("Paste an API key");
        await expectAdminNav(page, "/admin/agents");

        await useKey(page, t.adminKey);
        await row(page, ONE).waitFor();
        await row(page, TWO).waitFor();
        await expect(message(page).isHidden()).resolves.toBe(true);

        // Grouped by pool: a section per pool, in name order, each with a heading naming it.
        await expect(poolsShown(page)).resolves.toEqual(["dc-1", "dc-2"]);
        await expect(
          page.locator(`section.pool[data-pool="dc-1"] tr[data-agent-id="${ONE}"]`).count(),
        ).resolves.toBe(1);
        await expect(
          page.locator(`section.pool[data-pool="dc-2"] tr[data-agent-id="${TWO}"]`).count(),
        ).resolves.toBe(1);
        await expect(page.getByRole("heading", { name: "Pool dc-1 · 1 agent" }).count()).resolves.toBe(1);
        await expect(page.getByRole("table", { name: "Pool dc-2 · 1 agent" }).count()).resolves.toBe(1);

        await expect(col(page, ONE, "agent")).resolves.toBe(`${ONE}Rack 4`);
        await expect(col(page, TWO, "agent")).resolves.toBe(TWO);
        await expect(col(page, ONE, "version")).resolves.toBe(VERSION);
        // The replica's id, not its host name (the operator's).
        await expect(col(page, ONE, "replica")).resolves.toBe(one.replicaId.slice(0, 8));
        await expect(col(page, ONE, "load")).resolves.toBe("0 / 64");
        await expect(col(page, TWO, "load")).resolves.toBe("0 / 8");
        await expect(col(page, ONE, "draining")).resolves.toBe("no");
        await expect(col(page, ONE, "connectors")).resolves.toBe("all");
        await expect(col(page, TWO, "connectors")).resolves.toBe((two.connectors ?? []).join(", "));
        expect([...(two.connectors ?? [])].sort()).toEqual(["github", "http"]);
        await expect(col(page, ONE, "connected")).resolves.toMatch(
          /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC(just now|\d+ s ago|\d+ min ago)$/,
        );
        await expect(col(page, ONE, "heartbeat")).resolves.toMatch(/^(just now|\d+ s ago|\d+ min ago)$/);

        // The pool filter asks the API for one pool.
        const filter = page.getByRole("combobox", { name: "Pool" });
        await expect(filter.locator("option").allTextContents()).resolves.toEqual([
          "all pools",
          "dc-1",
          "dc-2",
        ]);
        await filter.selectOption("dc-2");
        await expect.poll(() => row(page, ONE).count()).toBe(0);
        await expect(row(page, TWO).count()).resolves.toBe(1);
        expect(requests.some((url) => url.endsWith("/api/v1/agents?pool=dc-2"))).toBe(true);
        await filter.selectOption("");
        await row(page, ONE).waitFor();

        // The key is in this tab's sessionStorage only: not in localStorage, a cookie, the URL or the input.
        await expect(page.evaluate(`sessionStorage.getItem(${JSON.stringify(KEY_STORAGE)})`)).resolves.toBe(
          t.adminKey,
        );
        await expect(page.evaluate("localStorage.length")).resolves.toBe(0);
        expect(await context.cookies()).toEqual([]);
        expect(page.url()).toBe(`${t.url}/admin/agents`);
        await expect(page.locator("#api-key").inputValue()).resolves.toBe("");

        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: `${ARTIFACTS}admin-agents.png`, fullPage: true });

        // The keyboard reaches every control, in order, from the top of the page; the key outlives a reload.
        await page.reload();
        await row(page, ONE).waitFor();
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
        const order = [
          ...ADMIN_NAV.map(([label]) => label),
          "api-key",
          "use-key",
          "forget-key",
          "pool-filter",
          "refresh",
        ];
        // Nothing but these controls takes focus on the way (no table row is a tab stop).
        expect(reached).toEqual(order);
        // Choosing a pool and refreshing from the keyboard.
        await filter.focus();
        await page.keyboard.press("ArrowDown");
        await expect.poll(() => filter.inputValue()).toBe("dc-1");
        await expect.poll(() => row(page, TWO).count()).toBe(0);
        const before = agentCalls(requests);
        await page.getByRole("button", { name: "Refresh" }).focus();
        await page.keyboard.press("Enter");
        await expect.poll(() => agentCalls(requests)).toBeGreaterThan(before);
        await filter.selectOption("");
        await row(page, TWO).waitFor();

        // 420 px wide: no sideways scrolling, each agent a card of labelled lines.
        await page.setViewportSize({ width: 420, height: 900 });
        await expect
          .poll(() => page.evaluate("document.documentElement.scrollWidth"))
          .toBeLessThanOrEqual(420);
        const label = await row(page, ONE)
          .locator('td[data-col="load"]')
          .evaluate((td) => td.ownerDocument.defaultView?.getComputedStyle(td, "::before").content);
        expect(label).toBe('"In flight / capacity"');
        await page.screenshot({ path: `${ARTIFACTS}admin-agents-420.png`, fullPage: true });

        expect(requests.filter((url) => !url.startsWith(`${t.url}/`))).toEqual([]);
        expect(requests.some((url) => url.includes(t.adminKey))).toBe(false);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    }, 120_000);

    it("refreshes every 5 seconds while the tab is visible, and not while it is hidden", async () => {
      const context = await browser.newContext();
      try {
        const { page, requests } = await openPage(context);
        await useKey(page, t.adminKey);
        await row(page, ONE).waitFor();
        // Two more loads without a click.
        const first = agentCalls(requests);
        await expect.poll(() => agentCalls(requests), { timeout: 60_000 }).toBeGreaterThanOrEqual(first + 2);

        await setVisibility(page, "hidden");
        const hidden = agentCalls(requests);
        await new Promise((resolve) => setTimeout(resolve, 11_000));
        expect(agentCalls(requests)).toBe(hidden);

        await setVisibility(page, "visible");
        await expect.poll(() => agentCalls(requests), { timeout: 30_000 }).toBeGreaterThan(hidden);
      } finally {
        await context.close();
      }
    }, 120_000);

    it("says when a key is not an admin key or is unknown, shows no agents then, and forgets the key", async () => {
      const context = await browser.newContext();
      try {
        const { page } = await openPage(context);
        for (const key of [await t.createKey(["webhooks:admin"]), await agentKey("dc-1")]) {
          await useKey(page, key);
          await expect
            .poll(() => message(page).textContent())
            .toBe(
              "Permission denied (403): this key is not an admin key. Listing agents needs a key with the admin scope.",
            );
          await expect(message(page).getAttribute("class")).resolves.toContain("error");
          await expect(page.locator("#pools tr").count()).resolves.toBe(0);
          await expect(page.locator("#agents-empty").isHidden()).resolves.toBe(true);
        }
        await useKey(page, "pb_notAKeyAtAll0000000000000000");
        await expect.poll(() => message(page).textContent()).toContain("This key was not accepted (401");

        // The admin key shows the agents; a network failure says so instead of failing silently.
        await useKey(page, t.adminKey);
        await row(page, ONE).waitFor();
        await page.route("**/api/v1/**", (route) => route.abort("connectionfailed"));
        await page.getByRole("button", { name: "Refresh" }).click();
        await expect.poll(() => message(page).textContent()).toContain("Network error");
        await page.unroute("**/api/v1/**");

        await page.getByRole("button", { name: "Forget key" }).click();
        await expect(page.evaluate("sessionStorage.length")).resolves.toBe(0);
        await expect(message(page).textContent()).resolves.toContain("The key was forgotten");
        await expect(page.locator("#pools tr").count()).resolves.toBe(0);
      } finally {
        await context.close();
      }
    }, 120_000);

    it("drops a killed agent on the next refresh and tells how to connect one when a pool has none", async () => {
      const context = await browser.newContext();
      try {
        const { page } = await openPage(context);
        await useKey(page, t.adminKey);
        await row(page, TWO).waitFor();
        const filter = page.getByRole("combobox", { name: "Pool" });
        await filter.selectOption("dc-2");
        await expect.poll(() => row(page, ONE).count()).toBe(0);
        await expect(page.locator("#agents-empty").isHidden()).resolves.toBe(true);

        agents.get(TWO)?.kill("SIGKILL");
        // No click: the page's own refresh notices once the server has.
        await expect.poll(() => row(page, TWO).count(), { timeout: 90_000 }).toBe(0);
        expect((await listAgents()).agents.map((a) => a.agentId)).toEqual([ONE]);
        await expect(page.locator("#agents-empty").isVisible()).resolves.toBe(true);
        await expect(page.locator("#agents-empty-text").textContent()).resolves.toBe(
          "No agent of pool dc-2 is connected.",
        );
        await expect(page.locator("#agent-command").textContent()).resolves.toBe(
          `PATCHBAY_AGENT_KEY=pb_… npx patchbay agent --url ${t.url} --pool dc-2 --allow <host:port>`,
        );
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: `${ARTIFACTS}admin-agents-empty.png`, fullPage: true });

        // All pools again: dc-1 alone, and the filter offers the pools that have agents.
        await filter.selectOption("");
        await row(page, ONE).waitFor();
        await expect(poolsShown(page)).resolves.toEqual(["dc-1"]);
        await expect(page.locator("#agents-empty").isHidden()).resolves.toBe(true);
        await expect(filter.locator("option").allTextContents()).resolves.toEqual(["all pools", "dc-1"]);
      } finally {
        await context.close();
      }
    }, 150_000);

    it("shows an agent whose answer leaves out the fields at their default value", async () => {
      const context = await browser.newContext();
      try {
        const { page } = await openPage(context);
        // Proto JSON may leave out zeros, false, empty strings and lists: the page reads them as such.
        await page.route("**/api/v1/agents", (route) =>
          route.fulfill({
            status: 200,
            contentType: "application/json",
            body: JSON.stringify({ agents: [{ streamId: "s-1", pool: "edge", agentId: "bare" }] }),
          }),
        );
        await useKey(page, t.adminKey);
        await row(page, "bare").waitFor();
        const cells = (await row(page, "bare")
          .locator("td")
          .evaluateAll((tds) => tds.map((td) => [td.getAttribute("data-col"), td.textContent]))) as [
          string,
          string,
        ][];
        expect(Object.fromEntries(cells)).toEqual({
          agent: "bare",
          version: "—",
          replica: "—",
          load: "0 / 0",
          draining: "no",
          connected: "—",
          heartbeat: "—",
          connectors: "all",
        });
        await expect(page.locator('section.pool[data-pool="edge"]').count()).resolves.toBe(1);
      } finally {
        await context.close();
      }
    });

    it("links the admin pages to each other", async () => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${t.url}/admin/connector-events`);
        const nav = page.getByRole("navigation", { name: "Admin pages" });
        await expect(
          nav.getByRole("link", { name: "Connector events" }).getAttribute("aria-current"),
        ).resolves.toBe("page");
        await Promise.all([
          page.waitForURL(`${t.url}/admin/agents`),
          nav.getByRole("link", { name: "Agents" }).click(),
        ]);
        await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Agents");
      } finally {
        await context.close();
      }
    });

    // axe-core (a pinned dev dependency) checks the page as a screen-reader user meets it.
    it("has no serious or critical axe-core violations", async () => {
      const context = await browser.newContext();
      try {
        const { page } = await openPage(context);
        await useKey(page, t.adminKey);
        await row(page, ONE).waitFor();
        // Evaluated through the browser's debugging protocol, which the page's CSP does not govern.
        await page.evaluate(readFileSync(AXE, "utf8"));
        const violations = (await page.evaluate(
          "axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact })))",
        )) as { id: string; impact: string }[];
        expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it("writes API data into the page as text only and keeps the key out of other storage", () => {
      // Comments may name what the code avoids; the code itself must not use it.
      // The page's own module and the one every admin page shares (the key, messages, API calls).
      const script = ["agents.js", "admin-common.js"]
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
      ]) {
        expect(script, sink).not.toContain(sink);
      }
      const html = readFileSync(WEB("agents.html"), "utf8");
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
      expect(html).not.toMatch(/<script>|style="/);
    });
  },
);
