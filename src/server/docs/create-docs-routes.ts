import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { NodeReq as Req, NodeRes as Res } from "../../protocol/node-types.ts";
import { docsInitScript, docsPageHtml } from "./docs-page.ts";
import { redocInitScript, redocPageHtml } from "./redoc-page.ts";

/** Options for {@link createDocsRoutes}. */
export interface DocsRoutesOptions {
  /** Prefix of every route, e.g. "/api-docs"; "" (the default) serves /openapi.json, /docs, … */
  basePath?: string;
}

interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
  /** The version an asset's URL carries (`?v=`): with it, the file can be cached as immutable. */
  readonly version: string | undefined;
  /** A page's security headers (its CSP); none for documents and assets. */
  readonly security?: Readonly<Record<string, string>>;
}

/**
 * The API reference under the paths API clients expect beside `/api/v1` (alias → route, without the base
 * path): the same files as the routes they name.
 */
export const API_DOCS_ALIASES: ReadonlyMap<string, string> = new Map([
  ["/api/docs", "/docs"],
  ["/api/docs/", "/docs/"],
  ["/api/openapi.json", "/openapi.json"],
  ["/api/openapi.yaml", "/openapi.yaml"],
  ["/api/redoc", "/redoc"],
  ["/api/redoc/", "/redoc/"],
]);

// The only swagger-ui-dist files the page loads. Requests are matched against this list exactly, so no
// path from the URL ever reaches the file system.
const SWAGGER_FILES: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

// The only redoc files the Redoc page loads (its standalone bundle carries React and its styles).
const REDOC_FILES: Readonly<Record<string, string>> = {
  "redoc.standalone.js": "text/javascript; charset=utf-8",
};

const PAGE_SECURITY = {
  // Swagger UI styles elements inline and draws icons from data: URIs; scripts and fetches stay on this origin.
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

const REDOC_SECURITY = {
  ...PAGE_SECURITY,
  // As Swagger UI's, plus the search index worker Redoc starts from a blob: URL its own bundle builds.
  "content-security-policy": `${PAGE_SECURITY["content-security-policy"]}; worker-src blob:`,
};

function staticFile(body: Buffer | string, contentType: string, version?: string): StaticFile {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const etag = `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 27)}"`;
  return { body: bytes, contentType, etag, version };
}

function page(html: string, security: Readonly<Record<string, string>>): StaticFile {
  return { ...staticFile(html, "text/html; charset=utf-8"), security };
}

function versionOf(dir: URL): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL("package.json", dir), "utf8"));
  return typeof manifest === "object" &&
    manifest !== null &&
    "version" in manifest &&
    typeof manifest.version === "string"
    ? manifest.version
    : "0";
}

function normalizeBasePath(basePath: string | undefined): string {
  const base = basePath ?? "";
  // Only plain segments: the prefix ends up in HTML and in a script.
  if (!/^(\/[A-Za-z0-9._~-]+)*$/.test(base)) throw new Error(`bad docs basePath: ${JSON.stringify(base)}`);
  return base;
}

function send(req: Req, res: Res, file: StaticFile, cacheable: boolean): void {
  res.setHeader("content-type", file.contentType);
  res.setHeader("etag", file.etag);
  // A versioned URL never changes content; everything else is revalidated against the ETag.
  res.setHeader("cache-control", cacheable ? "public, max-age=31536000, immutable" : "no-cache");
  res.setHeader("x-content-type-options", "nosniff");
  for (const [name, value] of Object.entries(file.security ?? {})) res.setHeader(name, value);
  if (req.headers["if-none-match"] === file.etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader("content-length", file.body.byteLength);
  if (req.method === "HEAD") res.end();
  else res.end(file.body);
}

/**
 * The API reference routes: GET/HEAD `/openapi.json` and `/openapi.yaml` (the generated document),
 * `/docs` and `/docs/` (Swagger UI from swagger-ui-dist, configured for that document, bearer key via
 * "Authorize") and `/docs/assets/<file>` for its whitelisted files, `/redoc` and `/redoc/` (Redoc's
 * standalone bundle from the redoc package) with `/redoc/assets/<file>`, and the {@link API_DOCS_ALIASES}.
 * Everything is read once, here, from paths relative to this module; the returned handler answers and
 * returns true for those routes only.
 */
export function createDocsRoutes(options: DocsRoutesOptions = {}): (req: Req, res: Res) => boolean {
  const base = normalizeBasePath(options.basePath);
  const genDir = new URL("../../../gen/", import.meta.url);
  const swaggerDir = new URL("./", import.meta.resolve("swagger-ui-dist/package.json"));
  const redocDir = new URL("./", import.meta.resolve("redoc/package.json"));
  const swaggerPage = { basePath: base, assetVersion: versionOf(swaggerDir) };
  const redocPage = { basePath: base, assetVersion: versionOf(redocDir) };

  const routes = new Map<string, StaticFile>();
  routes.set(
    `${base}/openapi.json`,
    staticFile(readFileSync(new URL("openapi.json", genDir)), "application/json"),
  );
  routes.set(
    `${base}/openapi.yaml`,
    staticFile(readFileSync(new URL("openapi.yaml", genDir)), "application/yaml"),
  );
  const html = page(docsPageHtml(swaggerPage), PAGE_SECURITY);
  routes.set(`${base}/docs`, html);
  routes.set(`${base}/docs/`, html);
  for (const [name, contentType] of Object.entries(SWAGGER_FILES)) {
    const path = fileURLToPath(new URL(name, swaggerDir));
    routes.set(
      `${base}/docs/assets/${name}`,
      staticFile(readFileSync(path), contentType, swaggerPage.assetVersion),
    );
  }
  routes.set(
    `${base}/docs/assets/docs-init.js`,
    staticFile(docsInitScript(swaggerPage), "text/javascript; charset=utf-8", swaggerPage.assetVersion),
  );
  const redoc = page(redocPageHtml(redocPage), REDOC_SECURITY);
  routes.set(`${base}/redoc`, redoc);
  routes.set(`${base}/redoc/`, redoc);
  for (const [name, contentType] of Object.entries(REDOC_FILES)) {
    const path = fileURLToPath(new URL(`bundles/${name}`, redocDir));
    routes.set(
      `${base}/redoc/assets/${name}`,
      staticFile(readFileSync(path), contentType, redocPage.assetVersion),
    );
  }
  routes.set(
    `${base}/redoc/assets/redoc-init.js`,
    staticFile(redocInitScript(redocPage), "text/javascript; charset=utf-8", redocPage.assetVersion),
  );
  for (const [alias, target] of API_DOCS_ALIASES) {
    const file = routes.get(`${base}${target}`);
    if (file !== undefined) routes.set(`${base}${alias}`, file);
  }

  return (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query < 0 ? url : url.slice(0, query);
    const file = routes.get(path);
    if (file === undefined) return false;
    const version = query < 0 ? null : new URLSearchParams(url.slice(query + 1)).get("v");
    send(req, res, file, file.version !== undefined && version === file.version);
    return true;
  };
}
