import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { expect } from "vitest";

/** A file of web/admin/, by name. */
export const adminWebFile = (file: string) =>
  fileURLToPath(new URL(`../../web/admin/${file}`, import.meta.url));

/** The CSP directives every admin page answers with (the key-holding pages run only this origin's code). */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
];

/**
 * Each admin route answers its web/admin file, byte for byte, with its content type, no-store, nosniff, no
 * referrer and the strict CSP (nothing `unsafe`).
 */
export async function expectAdminFiles(
  base: string,
  files: readonly (readonly [path: string, contentType: string, file: string])[],
): Promise<void> {
  for (const [path, type, file] of files) {
    const response = await fetch(`${base}${path}`);
    expect(response.status, path).toBe(200);
    expect(response.headers.get("content-type"), path).toBe(type);
    expect(response.headers.get("cache-control"), path).toBe("no-store");
    expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
    expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
    const csp = (response.headers.get("content-security-policy") ?? "").split(/;\s*/);
    for (const directive of CSP) expect(csp, path).toContain(directive);
    expect(csp.join(";"), path).not.toContain("unsafe");
    expect(await response.text(), path).toBe(readFileSync(adminWebFile(file), "utf8"));
  }
}

/** An admin page answers HEAD empty, POST 405 with `allow`, and its file's own name 404. */
export async function expectAdminPageMethods(base: string, page: string): Promise<void> {
  const head = await fetch(`${base}/admin/${page}`, { method: "HEAD" });
  expect(head.status).toBe(200);
  expect(await head.text()).toBe("");
  const post = await fetch(`${base}/admin/${page}`, { method: "POST", body: "x" });
  expect(post.status).toBe(405);
  expect(post.headers.get("allow")).toBe("GET, HEAD");
  expect((await fetch(`${base}/admin/${page}.html`)).status).toBe(404);
}

/** The one navigation every admin page carries: label and path, in this order. */
export const ADMIN_NAV: readonly (readonly [label: string, path: string])[] = [
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

/**
 * The page shows the admin navigation (a landmark named "Admin pages") with {@link ADMIN_NAV}'s links in
 * order, and marks `current` (a path), and only it, as the current page.
 */
export async function expectAdminNav(page: Page, current: string): Promise<void> {
  const links = page.getByRole("navigation", { name: "Admin pages" }).getByRole("link");
  const found = await links.evaluateAll((elements) =>
    elements.map((a) => [
      a.textContent?.trim() ?? "",
      a.getAttribute("href"),
      a.getAttribute("aria-current"),
    ]),
  );
  expect(found, current).toEqual(
    ADMIN_NAV.map(([label, path]) => [label, path, path === current ? "page" : null]),
  );
}
