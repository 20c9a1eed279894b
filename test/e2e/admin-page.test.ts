import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sign } from "@octokit/webhooks-methods";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminWebFile, expectAdminFiles, expectAdminPageMethods } from "../support/admin-page-checks.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));
const WEB = adminWebFile;
const GITHUB_SECRET = "It's a Secret to Everybody";
const KEY_STORAGE = "patchbay.adminKey";

function issueOpened(delivery: string, number: number): { body: string; headers: Record<string, string> } {
  return {
    body: JSON.stringify({
      action: "opened",
      issue: { number, title: "Crash on start" },
      repository: { id: 1 },
    }),
    headers: {
      "x-github-event": "issues",
      "x-github-delivery": delivery,
      "content-type": "application/json",
    },
  };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Endpoint {
  id: string;
  url: string;
  status: string;
  lastErrorCode?: string;
  counts?: { accepted?: number; duplicate?: number; rejected?: number; failed?: number };
}
interface Job {
  id: string;
  endpointId: string;
  state: string;
  attempts?: number;
  maxAttempts?: number;
  lastErrorCode?: string;
}

// CI installs Chromium (.ci/run) and must never skip this; a developer machine without it may.
describe.skipIf(!existsSync(CHROMIUM) && process.env.CI !== "true")(
  `the connector-events admin page in headless Chromium (${CHROMIUM}; apt-get install -y chromium)`,
  () => {
    let t: TestServer;
    let browser: Browser;
    let github: Endpoint;
    let ops: Endpoint;
    let deadJob: Job;

    /** A REST call with the admin key (or another); throws on a non-2xx answer. */
    async function call<T>(method: string, path: string, body?: unknown, key = t.adminKey): Promise<T> {
      const response = await fetch(`${t.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const json = (await response.json()) as T;
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    }

    async function deliver(endpoint: Endpoint, delivery: string, secret = GITHUB_SECRET): Promise<number> {
      // Each delivery its own body: GitHub signs the body, so one body under two delivery ids is a replay.
      const event = issueOpened(delivery, 7 + Number(delivery.slice(2)));
      const response = await fetch(`${t.url}${new URL(endpoint.url).pathname}`, {
        method: "POST",
        headers: { ...event.headers, "x-hub-signature-256": await sign(secret, event.body) },
        body: event.body,
      });
      return response.status;
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
        if (response.status() >= 400) problems.push(`http ${response.status()}: ${response.url()}`);
      });
      const response = await page.goto(`${t.url}/admin/connector-events`);
      expect(response?.status()).toBe(200);
      return { page, problems, requests };
    }

    async function useKey(page: Page, key: string): Promise<void> {
      await page.locator("#api-key").fill(key);
      await page.getByRole("button", { name: "Use key" }).click();
    }

    const message = (page: Page) => page.locator("#message");

    beforeAll(async () => {
      t = await startTestServer("postgresql", { PATCHBAY_PUBLIC_URL: "https://hooks.example.test" });

      // A GitHub endpoint (pull) with two verified deliveries and one forgery.
      ({ endpoint: github } = await call<{ endpoint: Endpoint }>("POST", "/api/v1/webhook-endpoints", {
        provider: "github",
        connectorSlug: "github",
        secret: GITHUB_SECRET,
        target: { pull: {} },
      }));
      expect(await deliver(github, "d-1")).toBe(204);
      expect(await deliver(github, "d-2")).toBe(204);
      expect(await deliver(github, "d-3", "not the secret")).toBe(401);
      // Rejections are counted once a second.
      await until(async () => {
        const { endpoint } = await call<{ endpoint: Endpoint }>(
          "GET",
          `/api/v1/webhook-endpoints/${github.id}`,
        );
        return endpoint.counts?.rejected === 1 ? endpoint : undefined;
      });

      // A second pull endpoint whose one job a consumer nacks until it is dead (8 attempts, 1 s apart).
      ({ endpoint: ops } = await call<{ endpoint: Endpoint }>("POST", "/api/v1/webhook-endpoints", {
        provider: "github",
        connectorSlug: "github-ops",
        secret: GITHUB_SECRET,
      }));
      expect(await deliver(ops, "x-1")).toBe(204);
      for (let attempt = 1; ; attempt++) {
        const claimed = await until(async () => {
          const { jobs } = await call<{ jobs?: { job: Job; leaseToken: string }[] }>(
            "POST",
            "/api/v1/jobs:claim",
            {
              endpointId: ops.id,
              maxJobs: 1,
              leaseSeconds: 30,
            },
          );
          return jobs?.[0];
        });
        const { job } = await call<{ job: Job }>("POST", `/api/v1/jobs/${claimed.job.id}:nack`, {
          leaseToken: claimed.leaseToken,
          errorCode: "CONSUMER_REJECTED",
          retryAfterSeconds: 1,
        });
        if (job.state === "dead") {
          deadJob = job;
          break;
        }
        expect(attempt).toBeLessThan(8);
      }
      expect(deadJob).toMatchObject({ attempts: 8, maxAttempts: 8, lastErrorCode: "CONSUMER_REJECTED" });

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

    it("serves the page, its script and its styles with no-store, a strict CSP, nosniff and no referrer", async () => {
      await expectAdminFiles(t.url, [
        ["/admin/connector-events", "text/html; charset=utf-8", "connector-events.html"],
        ["/admin/connector-events.js", "text/javascript; charset=utf-8", "connector-events.js"],
        ["/admin/admin.css", "text/css; charset=utf-8", "admin.css"],
      ]);
      await expectAdminPageMethods(t.url, "connector-events");
    });

    it("lists endpoints with their counts, shows an endpoint's events without payloads, filters jobs and retries a dead one", async () => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1100 } });
      try {
        const { page, problems, requests } = await openPage(context);
        await expect(message(page).textContent()).resolves.toContain("Paste an API key");

        await useKey(page, t.adminKey);
        const row = page.locator(`#endpoints tr[data-endpoint-id="${github.id}"]`);
        await row.waitFor();
        const col = (name: string) => row.locator(`td[data-col="${name}"]`).textContent();
        await expect(col("provider")).resolves.toBe("github");
        await expect(col("connector")).resolves.toBe("github");
        await expect(col("status")).resolves.toBe("failing");
        await expect(col("target")).resolves.toBe("pull");
        await expect(col("url")).resolves.toBe(github.url);
        await expect(col("accepted")).resolves.toBe("2");
        await expect(col("duplicate")).resolves.toBe("0");
        await expect(col("rejected")).resolves.toBe("1");
        await expect(col("failed")).resolves.toBe("0");
        await expect(col("last-error")).resolves.toBe("SIGNATURE_MISMATCH");
        await expect(col("last-event")).resolves.toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
        expect(await page.locator("#endpoints tbody tr").count()).toBe(2);
        const opsFailed = page.locator(`#endpoints tr[data-endpoint-id="${ops.id}"] td[data-col="failed"]`);
        await expect(opsFailed.textContent()).resolves.toBe("1");

        // The key is in this tab's sessionStorage only: not in localStorage, a cookie, the URL or the input.
        await expect(page.evaluate(`sessionStorage.getItem(${JSON.stringify(KEY_STORAGE)})`)).resolves.toBe(
          t.adminKey,
        );
        await expect(page.evaluate("localStorage.length")).resolves.toBe(0);
        await expect(page.evaluate("document.cookie")).resolves.toBe("");
        expect(await context.cookies()).toEqual([]);
        expect(page.url()).toBe(`${t.url}/admin/connector-events`);
        await expect(page.locator("#api-key").inputValue()).resolves.toBe("");
        const other = await context.newPage();
        await other.goto(`${t.url}/admin/connector-events`);
        await expect(other.locator("#key-state").textContent()).resolves.toBe("No key set.");
        await other.close();

        // An endpoint's events: keys, provider ids, times and job states; never the payload.
        await row.click();
        const events = page.locator("#events tbody tr");
        await events.nth(1).waitFor();
        expect(await events.count()).toBe(2);
        expect(await events.locator('td[data-col="event-key"]').allTextContents()).toEqual([
          "github.issues.opened",
          "github.issues.opened",
        ]);
        expect(await events.locator('td[data-col="provider-event-id"]').allTextContents()).toEqual([
          "d-2",
          "d-1",
        ]);
        expect(await events.locator('td[data-col="job-state"]').allTextContents()).toEqual([
          "queued",
          "queued",
        ]);
        await expect(page.locator("#events-title").textContent()).resolves.toBe(
          "Recent events of github / github",
        );
        await expect(page.locator("#endpoint-facts").textContent()).resolves.toContain(github.id);
        expect(await page.locator("body").innerText()).not.toContain("Crash on start");

        // Jobs: all three, then by state.
        const jobs = page.locator("#jobs tbody tr");
        await jobs.nth(2).waitFor();
        expect(await jobs.count()).toBe(3);
        await page.locator("#job-state").selectOption("queued");
        await expect.poll(() => jobs.count()).toBe(2);
        expect(await jobs.locator('td[data-col="state"]').allTextContents()).toEqual(["queued", "queued"]);
        await page.locator("#job-state").selectOption("dead");
        await expect.poll(() => jobs.count()).toBe(1);
        const dead = page.locator(`#jobs tr[data-job-id="${deadJob.id}"]`);
        await expect(dead.locator('td[data-col="state"]').textContent()).resolves.toBe("dead");
        await expect(dead.locator('td[data-col="attempts"]').textContent()).resolves.toBe("8/8");
        await expect(dead.locator('td[data-col="last-error"]').textContent()).resolves.toBe(
          "CONSUMER_REJECTED",
        );
        await expect(dead.locator('td[data-col="endpoint"]').textContent()).resolves.toBe(
          "github / github-ops",
        );
        expect(await page.locator("#jobs button", { hasText: "Retry" }).count()).toBe(1);

        // Retry: RetryJob, then the lists are reloaded (the dead filter is now empty).
        await dead.getByRole("button", { name: "Retry" }).click();
        await expect
          .poll(() => message(page).textContent())
          .toMatch(/re-queued; it is (retrying|queued) now/);
        await expect.poll(() => jobs.count()).toBe(0);
        await expect(page.locator("#jobs-empty").isVisible()).resolves.toBe(true);
        await expect(opsFailed.textContent()).resolves.toBe("0");
        const { jobs: after } = await call<{ jobs: Job[] }>(
          "GET",
          `/api/v1/jobs?endpointId=${deadJob.endpointId}`,
        );
        expect(after).toHaveLength(1);
        expect(["queued", "retrying"]).toContain(after[0]?.state);
        expect(after[0]?.maxAttempts).toBe(9);
        await page.locator("#job-state").selectOption("");
        await expect
          .poll(() =>
            page.locator(`#jobs tr[data-job-id="${deadJob.id}"] td[data-col="state"]`).textContent(),
          )
          .toMatch(/^(queued|retrying)$/);

        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: `${ARTIFACTS}admin-connector-events.png`, fullPage: true });

        expect(requests.filter((url) => !url.startsWith(`${t.url}/`))).toEqual([]);
        expect(requests.some((url) => url.includes(t.adminKey))).toBe(false);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it("says when a key lacks webhooks:admin or is unknown, reports network errors, and forgets the key", async () => {
      const context = await browser.newContext();
      try {
        const { page } = await openPage(context);
        await useKey(page, await t.createKey(["execute"]));
        await expect.poll(() => message(page).textContent()).toContain("this key lacks webhooks:admin");
        await expect(message(page).getAttribute("class")).resolves.toContain("error");
        expect(await page.locator("#endpoints tbody tr").count()).toBe(0);

        await useKey(page, "pb_notAKeyAtAll0000000000000000");
        await expect.poll(() => message(page).textContent()).toContain("This key was not accepted (401");

        // The admin key shows data; a network failure says so instead of failing silently.
        await useKey(page, t.adminKey);
        await page.locator("#endpoints tbody tr").first().waitFor();
        await page.route("**/api/v1/**", (route) => route.abort("connectionfailed"));
        await page.getByRole("button", { name: "Refresh" }).click();
        await expect.poll(() => message(page).textContent()).toContain("Network error");
        await page.unroute("**/api/v1/**");

        await page.getByRole("button", { name: "Forget key" }).click();
        await expect(page.evaluate(`sessionStorage.getItem(${JSON.stringify(KEY_STORAGE)})`)).resolves.toBe(
          null,
        );
        await expect(page.evaluate("sessionStorage.length")).resolves.toBe(0);
        await expect(message(page).textContent()).resolves.toContain("The key was forgotten");
        await expect(page.locator("#key-state").textContent()).resolves.toBe("No key set.");
        expect(await page.locator("#endpoints tbody tr").count()).toBe(0);
        expect(await page.locator("#jobs tbody tr").count()).toBe(0);
        await page.reload();
        await expect(message(page).textContent()).resolves.toContain("Paste an API key");
      } finally {
        await context.close();
      }
    });

    it("writes API data into the page as text only and keeps the key out of other storage", () => {
      // Comments may name what the code avoids; the code itself must not use it.
      const script = ["connector-events.js", "admin-common.js"]
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
        ".payload",
      ]) {
        expect(script, sink).not.toContain(sink);
      }
      const html = readFileSync(WEB("connector-events.html"), "utf8");
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
      expect(html).not.toMatch(/<script>|style="/);
    });
  },
);
