import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { runInNewContext } from "node:vm";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPLETION_FAILURES, UNKNOWN_FAILURE } from "../../../src/connections/oauth/completion-failures.ts";
import { COMPLETION_CHANNEL, completionPage } from "../../../src/connections/oauth/completion-page.ts";

const CHROMIUM = "/usr/bin/chromium";

/** The browser globals the dashboard stand-in uses (the project type-checks without the DOM lib). */
interface Dashboard {
  received: unknown[];
  open(url: string, target: string): unknown;
}

function inline(html: string, tag: "script" | "style"): string {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html);
  if (match?.[1] === undefined) throw new Error(`no inline ${tag}`);
  return match[1];
}

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/** Runs the page's script with recording stand-ins for the browser APIs it uses. */
function runScript(html: string) {
  const broadcasts: { channel: string; data: unknown }[] = [];
  const stored = new Map<string, string>();
  let closed = 0;
  class RecordingChannel {
    readonly name: string;
    constructor(name: string) {
      this.name = name;
    }
    postMessage(data: unknown) {
      broadcasts.push({ channel: this.name, data });
    }
    close() {}
  }
  runInNewContext(inline(html, "script"), {
    BroadcastChannel: RecordingChannel,
    localStorage: { setItem: (key: string, value: string) => stored.set(key, value) },
    window: {
      close: () => {
        closed += 1;
      },
    },
    setTimeout: (run: () => void) => run(),
    Date: { now: () => 1_700_000_000_000 },
  });
  return { broadcasts, stored, closed: () => closed };
}

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const escaped = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

describe("completionPage", () => {
  it("tells the opening tab through BroadcastChannel and localStorage, then closes", () => {
    const { html } = completionPage({ ok: true, connectionId: "3f1c-conn" });
    expect(html).toContain("Connected. You can close this tab.");
    const run = runScript(html);
    const message = { connectionId: "3f1c-conn", ok: true, reason: null, at: 1_700_000_000_000 };
    expect(run.broadcasts).toEqual([{ channel: "patchbay-oauth", data: message }]);
    expect(JSON.parse(run.stored.get("patchbay-oauth") ?? "null")).toEqual(message);
    expect(run.closed()).toBe(1);
    expect(COMPLETION_CHANNEL).toBe("patchbay-oauth");
  });

  it.each(Object.entries(COMPLETION_FAILURES))(
    "explains %s in words, shows the code, tells the opening tab, and stays open",
    (reason, explanation) => {
      const { html } = completionPage({ ok: false, connectionId: "c-2", reason });
      expect(html).toContain(`<h1>${escaped(explanation.title)}</h1>`);
      expect(html).toContain(`<p>${escaped(explanation.what)}</p>`);
      expect(html).toContain(`<p>${escaped(explanation.next)}</p>`);
      expect(html).toContain(`Error code: <code>${reason}</code>`);
      const run = runScript(html);
      expect(run.broadcasts[0]?.data).toMatchObject({ ok: false, reason, connectionId: "c-2" });
      expect(JSON.parse(run.stored.get("patchbay-oauth") ?? "null")).toMatchObject({ ok: false, reason });
      expect(run.closed()).toBe(0);
    },
  );

  it("explains every code the callback ends with, each with its own words", () => {
    // The reasons completeAuthorization returns, and the provider-error case the page is ready for.
    expect(Object.keys(COMPLETION_FAILURES).sort()).toEqual([
      "access_denied",
      "connector_deleted",
      "exchange_failed",
      "link_expired",
      "link_invalid",
      "link_used",
      "provider_error",
      "state_expired",
      "state_mismatch",
      "state_missing",
      "state_reused",
      "state_unknown",
    ]);
    const explanations = [...Object.values(COMPLETION_FAILURES), UNKNOWN_FAILURE];
    expect(new Set(explanations.map((e) => e.title)).size).toBe(explanations.length);
    expect(new Set(explanations.map((e) => e.what)).size).toBe(explanations.length);
    for (const { title, what, next } of explanations) {
      // Plain sentences for a person, not codes or protocol terms.
      for (const text of [title, what, next]) expect(text).not.toMatch(/_|oauth|state|token|https?:/i);
      expect(what).toMatch(/\.$/);
      expect(next).toMatch(/\.$/);
    }
  });

  it("explains a code it does not know in general words, and still shows and sends the code", () => {
    const { html } = completionPage({ ok: false, reason: "some_new_reason" });
    expect(html).toContain(`<h1>${escaped(UNKNOWN_FAILURE.title)}</h1>`);
    expect(html).toContain("Error code: <code>some_new_reason</code>");
    expect(runScript(html).broadcasts[0]?.data).toMatchObject({ reason: "some_new_reason" });
    expect(completionPage({ ok: false }).html).toContain("Error code: <code>unknown_error</code>");
  });

  it("sends a null connection id when the flow could not be tied to one", () => {
    const run = runScript(completionPage({ ok: false, reason: "state_unknown" }).html);
    expect(run.broadcasts[0]?.data).toMatchObject({ connectionId: null, reason: "state_unknown" });
  });

  it("never shows or sends a reason that is not a code: free text becomes unknown_error", () => {
    for (const reason of [
      `</script><img src=x onerror="alert('1')">&`,
      "The user jane@example.com denied access",
      "access_denied: User said no",
      "A".repeat(65),
    ]) {
      const { html } = completionPage({ ok: false, reason });
      expect(html).toContain("Error code: <code>unknown_error</code>");
      expect(html).not.toContain("<img");
      expect(html).not.toMatch(/jane|User said no|AAAA/);
      expect(html.match(/<\/script>/g)).toHaveLength(1);
      expect(runScript(html).broadcasts[0]?.data).toMatchObject({ ok: false, reason: "unknown_error" });
    }
  });

  it("loads nothing from anywhere: no URLs, no src or href attributes", () => {
    for (const page of [
      completionPage({ ok: true }),
      completionPage({ ok: false, reason: "access_denied" }),
    ]) {
      expect(page.html).not.toMatch(/https?:|\/\/|\b(src|href|action)=/i);
    }
  });

  it("allows exactly its inline script and style by hash, and nothing else", () => {
    const { html, contentSecurityPolicy, headers } = completionPage({ ok: false, reason: "exchange_failed" });
    expect(contentSecurityPolicy).toContain("default-src 'none'");
    expect(contentSecurityPolicy).toContain(`script-src ${sha256(inline(html, "script"))};`);
    expect(contentSecurityPolicy).toContain(`style-src ${sha256(inline(html, "style"))};`);
    expect(contentSecurityPolicy).not.toContain("unsafe");
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(headers["content-security-policy"]).toBe(contentSecurityPolicy);
    expect(headers["cache-control"]).toBe("no-store");
    const other = completionPage({ ok: false, reason: "access_denied" });
    expect(other.contentSecurityPolicy).not.toBe(contentSecurityPolicy);
  });
});

// CI installs Chromium and must never skip this; a developer machine without it may.
describe.skipIf(!existsSync(CHROMIUM) && process.env.CI !== "true")(
  `completionPage in headless Chromium (${CHROMIUM})`,
  () => {
    const dashboard = `<!doctype html><title>dashboard</title><script>
      window.received = [];
      new BroadcastChannel("patchbay-oauth").onmessage = (e) => window.received.push({ via: "broadcast", data: e.data });
      addEventListener("storage", (e) => {
        if (e.key === "patchbay-oauth") window.received.push({ via: "storage", data: JSON.parse(e.newValue) });
      });
    </script>`;
    let server: http.Server;
    let base: string;
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        if (url.pathname === "/callback") {
          const reason = url.searchParams.get("reason");
          const page = completionPage(
            reason === null
              ? { ok: true, connectionId: "conn-1" }
              : { ok: false, connectionId: "conn-1", reason },
          );
          res.writeHead(200, page.headers);
          res.end(page.html);
          return;
        }
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(dashboard);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    /** Opens the callback from the dashboard tab, as the dashboard would, and returns the new tab. */
    async function openCallback(page: Page, query: string): Promise<Page> {
      await page.evaluate(() => {
        (globalThis as unknown as Dashboard).received = [];
      });
      const popupOpened = page.waitForEvent("popup");
      await page.evaluate((path) => {
        (globalThis as unknown as Dashboard).open(path, "_blank");
      }, `/callback${query}`);
      return popupOpened;
    }

    /** What the dashboard tab heard, once both channels have delivered. */
    async function heard(page: Page): Promise<{ via: string; data: Record<string, unknown> }[]> {
      await page.waitForFunction(() => (globalThis as unknown as Dashboard).received.length >= 2);
      return (await page.evaluate(() => (globalThis as unknown as Dashboard).received)) as {
        via: string;
        data: Record<string, unknown>;
      }[];
    }

    async function withBrowser(run: (browser: Browser) => Promise<void>): Promise<void> {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
      });
      try {
        await run(browser);
      } finally {
        await browser.close();
      }
    }

    it("reaches the opening tab by both channels under its CSP, then closes its own tab", async () => {
      await withBrowser(async (browser) => {
        const page = await browser.newPage();
        await page.goto(`${base}/`);
        const popup = await openCallback(page, "");
        const problems: string[] = [];
        popup.on("pageerror", (error) => problems.push(error.message));
        await popup.waitForEvent("close", { timeout: 10_000 });
        const received = await heard(page);
        expect(received.map((r) => r.via).sort()).toEqual(["broadcast", "storage"]);
        for (const { data } of received) {
          expect(data).toMatchObject({ connectionId: "conn-1", ok: true, reason: null });
          expect(typeof data.at).toBe("number");
        }
        const stored = await page.evaluate(() => localStorage.getItem("patchbay-oauth"));
        expect(JSON.parse(stored ?? "null")).toMatchObject({ ok: true, reason: null });
        expect(problems).toEqual([]);
      });
    });

    it("on failure tells the opening tab, then stays open showing the explanation and the code", async () => {
      await withBrowser(async (browser) => {
        const page = await browser.newPage();
        await page.goto(`${base}/`);
        const popup = await openCallback(page, "?reason=state_expired");
        const received = await heard(page);
        expect(received.map((r) => r.via).sort()).toEqual(["broadcast", "storage"]);
        for (const { data } of received) {
          expect(data).toMatchObject({ connectionId: "conn-1", ok: false, reason: "state_expired" });
        }
        // A close would have been scheduled when the page loaded, before this timer: it would run first
        // and end this evaluation with the tab.
        await popup.evaluate(() => new Promise((resolve) => setTimeout(resolve, 1000)));
        expect(popup.isClosed()).toBe(false);
        const explanation = COMPLETION_FAILURES.state_expired;
        expect(await popup.locator("h1").textContent()).toBe(explanation?.title);
        expect(await popup.locator("body").innerText()).toContain(explanation?.what);
        expect(await popup.locator("code").textContent()).toBe("state_expired");
        // 32rem at 16px: the inline style was admitted by its hash under the page's CSP.
        expect(await popup.evaluate("getComputedStyle(document.body).maxWidth")).toBe("512px");
      });
    });
  },
);
