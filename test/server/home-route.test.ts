import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import http2 from "node:http2";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const CHROMIUM = "/usr/bin/chromium";
const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;
const LINKS = {
  console: "/admin/overview",
  docs: "/docs",
  redoc: "/api/redoc",
  openapi: "/openapi.json",
  admin: "/admin/connector-events",
  agents: "/admin/agents",
  overview: "/admin/overview",
  healthz: "/healthz",
  readyz: "/readyz",
};
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

function inlineStyle(html: string): string {
  const match = /<style>([\s\S]*?)<\/style>/.exec(html);
  if (match?.[1] === undefined) throw new Error("no inline style");
  return match[1];
}

/** One request over HTTP/2 cleartext (prior knowledge), as gRPC clients reach the same port. */
function h2Get(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on("error", reject);
    const req = session.request({ ":method": "GET", ":path": "/", ...headers });
    const chunks: Buffer[] = [];
    let status = 0;
    let type = "";
    req.on("response", (h) => {
      status = Number(h[":status"]);
      type = String(h["content-type"]);
    });
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      session.close();
      resolve({ status, type, body: Buffer.concat(chunks).toString() });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("GET / on a running server (postgresql)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await s?.stop();
  });

  it("answers a browser with a page naming the server and its version, linking the entry points", async () => {
    const res = await fetch(`${s.url}/`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("vary")).toBe("Accept");
    const html = await res.text();
    expect(html).toContain(`<title>Patchbay ${VERSION}</title>`);
    expect(html).toContain(`<h1>Patchbay <small>${VERSION}</small></h1>`);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    // The console first, on its own line, then the list.
    expect(hrefs).toEqual(Object.values(LINKS));
    expect(html).toMatch(/<p class="console"><a href="\/admin\/overview">Open the admin console<\/a>/);
  });

  it("loads nothing: a CSP that admits only its own inline style by hash, and no URL leaves the origin", async () => {
    const res = await fetch(`${s.url}/`);
    const html = await res.text();
    const style = inlineStyle(html);
    const hash = `'sha256-${createHash("sha256").update(style).digest("base64")}'`;
    expect(res.headers.get("content-security-policy")).toBe(
      `default-src 'none'; style-src ${hash}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(html).not.toMatch(/https?:|\/\/|<script|\b(src|action)=/i);
  });

  it("answers JSON when the client asks for it, and every link it names is served", async () => {
    const res = await fetch(`${s.url}/`, { headers: { accept: "application/json" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("vary")).toBe("Accept");
    expect(await res.json()).toEqual({ name: "Patchbay", version: VERSION, links: LINKS });
    for (const path of Object.values(LINKS)) {
      const linked = await fetch(`${s.url}${path}`);
      expect({ path, status: linked.status }).toEqual({ path, status: 200 });
      await linked.arrayBuffer();
    }
  });

  it("answers the same over HTTP/2 cleartext, the connection gRPC clients use", async () => {
    const json = await h2Get(s.url, { accept: "application/json" });
    expect(json).toMatchObject({ status: 200, type: "application/json" });
    expect(JSON.parse(json.body)).toMatchObject({ name: "Patchbay", version: VERSION });
    const page = await h2Get(s.url, { accept: BROWSER_ACCEPT });
    expect(page).toMatchObject({ status: 200, type: "text/html; charset=utf-8" });
    expect(page.body).toContain('href="/docs"');
  });

  it("answers HEAD with headers only, ignores the query, and refuses other methods with 405", async () => {
    const head = await fetch(`${s.url}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(0);
    expect(await head.text()).toBe("");
    const withQuery = await fetch(`${s.url}/?utm=x`, { headers: { accept: "application/json" } });
    expect(await withQuery.json()).toMatchObject({ name: "Patchbay" });
    const post = await fetch(`${s.url}/`, { method: "POST", body: "{}" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("leaves other unknown paths to the JSON 404", async () => {
    const res = await fetch(`${s.url}/index.html`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: "not_found", message: "no such route" });
  });

  // CI installs Chromium and must never skip this; a developer machine without it may.
  it.skipIf(!existsSync(CHROMIUM) && process.env.CI !== "true")(
    "renders in headless Chromium under its CSP, styled, and its links lead to the docs",
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
      });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on("console", (message) => {
          // The browser asks for /favicon.ico on its own; that 404 is not the page's doing.
          if (message.type() === "error" && !message.location().url.endsWith("/favicon.ico"))
            problems.push(message.text());
        });
        page.on("pageerror", (error) => problems.push(error.message));
        await page.goto(`${s.url}/`);
        expect(await page.title()).toBe(`Patchbay ${VERSION}`);
        // 40rem at 16px: the inline style was admitted by its hash (a blocked style leaves "none").
        expect(await page.evaluate("getComputedStyle(document.body).maxWidth")).toBe("640px");
        await Promise.all([page.waitForURL(`${s.url}/docs`), page.click('a[href="/docs"]')]);
        expect(await page.title()).toBe("Patchbay API reference");
        // The console link leads to the admin pages' one navigation.
        await page.goto(`${s.url}/`);
        await Promise.all([
          page.waitForURL(`${s.url}/admin/overview`),
          page.getByRole("link", { name: "Open the admin console" }).click(),
        ]);
        const nav = page.getByRole("navigation", { name: "Admin pages" });
        await expect(nav.getByRole("link", { name: "Keys" }).getAttribute("href")).resolves.toBe(
          "/admin/keys",
        );
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});
