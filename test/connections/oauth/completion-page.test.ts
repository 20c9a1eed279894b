import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { runInNewContext } from "node:vm";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

  it("shows and sends the reason of a failure", () => {
    const { html } = completionPage({ ok: false, connectionId: "c-2", reason: "state_expired" });
    expect(html).toContain("Could not connect: state_expired");
    const run = runScript(html);
    expect(run.broadcasts[0]?.data).toMatchObject({
      ok: false,
      reason: "state_expired",
      connectionId: "c-2",
    });
    expect(run.closed()).toBe(1);
  });

  it("sends a null connection id when the flow could not be tied to one", () => {
    const run = runScript(completionPage({ ok: false, reason: "state_unknown" }).html);
    expect(run.broadcasts[0]?.data).toMatchObject({ connectionId: null, reason: "state_unknown" });
  });

  it("escapes the reason in the text and in the script, yet delivers it unchanged", () => {
    const reason = `</script><img src=x onerror="alert('1')">&`;
    const { html } = completionPage({ ok: false, reason });
    expect(html).toContain(
      "Could not connect: &lt;/script&gt;&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;",
    );
    expect(html).not.toContain("<img");
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(runScript(html).broadcasts[0]?.data).toMatchObject({ reason });
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

    it("reaches the opening tab by both channels under its CSP, then closes its own tab", async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
      });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        await page.goto(`${base}/`);
        for (const [query, expected] of [
          ["", { ok: true, reason: null }],
          ["?reason=access_denied", { ok: false, reason: "access_denied" }],
        ] as const) {
          await page.evaluate(() => {
            (globalThis as unknown as Dashboard).received = [];
          });
          const popupOpened = page.waitForEvent("popup");
          await page.evaluate((path) => {
            (globalThis as unknown as Dashboard).open(path, "_blank");
          }, `/callback${query}`);
          const popup = await popupOpened;
          popup.on("console", (message) => {
            if (message.type() === "error") problems.push(message.text());
          });
          popup.on("pageerror", (error) => problems.push(error.message));
          await popup.waitForEvent("close", { timeout: 5000 });
          await page.waitForFunction(() => (globalThis as unknown as Dashboard).received.length >= 2);
          const received = (await page.evaluate(() => (globalThis as unknown as Dashboard).received)) as {
            via: string;
            data: Record<string, unknown>;
          }[];
          expect(received.map((r) => r.via).sort()).toEqual(["broadcast", "storage"]);
          for (const { data } of received) {
            expect(data).toMatchObject({ connectionId: "conn-1", ...expected });
            expect(typeof data.at).toBe("number");
          }
          const stored = await page.evaluate(() => localStorage.getItem("patchbay-oauth"));
          expect(JSON.parse(stored ?? "null")).toMatchObject(expected);
        }
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  },
);
