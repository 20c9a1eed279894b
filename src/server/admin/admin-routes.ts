import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { NodeReq as Req, NodeRes as Res } from "../../protocol/node-types.ts";
import { createOverviewDataRoute, type OverviewDataDeps } from "./overview-data-route.ts";
import { createVendorRoutes } from "./vendor-modules.ts";

/** Options for {@link createAdminRoutes}. */
export interface AdminRoutesOptions {
  /** Folder holding the page's files; default: `web/admin/` of this checkout. */
  webDir?: URL;
  /** The key store and metrics history behind `/admin/overview/data`; without it that path is not served. */
  overview?: OverviewDataDeps;
}

const HTML = "text/html; charset=utf-8";
const SCRIPT = "text/javascript; charset=utf-8";

// Route → file in web/admin/. Requests are matched against this table exactly, so no path from the URL
// ever reaches the file system.
const FILES: Readonly<Record<string, { file: string; contentType: string }>> = {
  "/admin/connector-events": { file: "connector-events.html", contentType: "text/html; charset=utf-8" },
  "/admin/connector-events.js": {
    file: "connector-events.js",
    contentType: "text/javascript; charset=utf-8",
  },
  "/admin/agents": { file: "agents.html", contentType: "text/html; charset=utf-8" },
  "/admin/agents.js": { file: "agents.js", contentType: "text/javascript; charset=utf-8" },
  "/admin/overview": { file: "overview.html", contentType: "text/html; charset=utf-8" },
  "/admin/overview.js": { file: "overview.js", contentType: "text/javascript; charset=utf-8" },
  // The console's pages for connections, executions and keys (all through the public API).
  "/admin/connections": { file: "connections.html", contentType: HTML },
  "/admin/connections.js": { file: "connections.js", contentType: SCRIPT },
  "/admin/credential-form.js": { file: "credential-form.js", contentType: SCRIPT },
  "/admin/oauth-completion.js": { file: "oauth-completion.js", contentType: SCRIPT },
  "/admin/executions": { file: "executions.html", contentType: HTML },
  "/admin/executions.js": { file: "executions.js", contentType: SCRIPT },
  "/admin/execution-stats.js": { file: "execution-stats.js", contentType: SCRIPT },
  "/admin/keys": { file: "keys.html", contentType: HTML },
  "/admin/keys.js": { file: "keys.js", contentType: SCRIPT },
  // What the console's pages share (elements, times, the confirmation dialog).
  "/admin/console-ui.js": { file: "console-ui.js", contentType: SCRIPT },
  // The SVG line charts the overview and the executions page draw.
  "/admin/admin-chart.js": { file: "admin-chart.js", contentType: SCRIPT },
  "/admin/admin.css": { file: "admin.css", contentType: "text/css; charset=utf-8" },
  // What the pages share (the key, messages, API calls), imported by each page's module.
  "/admin/admin-common.js": { file: "admin-common.js", contentType: "text/javascript; charset=utf-8" },
  // The console's connector pages: catalog, script builder (with the editor) and OpenAPI import.
  "/admin/catalog": { file: "catalog.html", contentType: "text/html; charset=utf-8" },
  "/admin/catalog.js": { file: "catalog.js", contentType: "text/javascript; charset=utf-8" },
  "/admin/build": { file: "build.html", contentType: "text/html; charset=utf-8" },
  "/admin/build.js": { file: "build.js", contentType: "text/javascript; charset=utf-8" },
  "/admin/script-editor.js": { file: "script-editor.js", contentType: "text/javascript; charset=utf-8" },
  "/admin/connector-form.js": { file: "connector-form.js", contentType: "text/javascript; charset=utf-8" },
  "/admin/import": { file: "import.html", contentType: "text/html; charset=utf-8" },
  "/admin/import.js": { file: "import.js", contentType: "text/javascript; charset=utf-8" },
  "/admin/connector-view.js": { file: "connector-view.js", contentType: "text/javascript; charset=utf-8" },
  "/admin/schema-diff.js": { file: "schema-diff.js", contentType: "text/javascript; charset=utf-8" },
  "/admin/connector-pages.css": { file: "connector-pages.css", contentType: "text/css; charset=utf-8" },
};

/** The paths of the admin pages (the HTML routes), in the route table's order; each carries the one navigation. */
export const ADMIN_PAGES: readonly string[] = Object.entries(FILES)
  .filter(([, route]) => route.contentType.startsWith("text/html"))
  .map(([path]) => path);

// The pages handle an API key: nothing but this origin may run, style, fetch or frame it, and the
// key-entry form can never be submitted anywhere (the script handles it).
const cspWith = (scriptSources: readonly string[]) =>
  `default-src 'self'; script-src ${["'self'", ...scriptSources].join(" ")}; style-src 'self'; ` +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const HEADERS = {
  "cache-control": "no-store",
  "content-security-policy": cspWith([]),
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
} as const;

// The one inline script a page may hold: an import map (build.html's, which maps the editor's bare module
// names to /admin/vendor/). Browsers take import maps inline only, so that page's CSP allows this exact
// text by its hash, taken here from the file as served; every other page keeps `script-src 'self'`.
const IMPORT_MAP = /<script type="importmap">([\s\S]*?)<\/script>/g;

/** The headers of a served file: the common ones, with its import map's hash in the CSP when it has one. */
function headersFor(body: Buffer): Readonly<Record<string, string>> {
  const hashes = [...body.toString("utf8").matchAll(IMPORT_MAP)].map(
    (match) =>
      `'sha256-${createHash("sha256")
        .update(match[1] ?? "")
        .digest("base64")}'`,
  );
  return hashes.length === 0 ? HEADERS : { ...HEADERS, "content-security-policy": cspWith(hashes) };
}

/**
 * The admin pages: GET/HEAD `/admin/connector-events` (the webhook endpoints, events and jobs page),
 * `/admin/agents` (the connected on-premise agents), `/admin/overview` (charts of this replica's
 * metrics), `/admin/connections`, `/admin/executions` and `/admin/keys` (the console's pages over the
 * public API), their scripts (`/admin/<page>.js`), `/admin/admin.css`, and the overview's data
 * `/admin/overview/data` (JSON, admin key). The files are read once, here; other methods on these paths
 * get 405. The returned handler answers and returns true for those paths only.
 *
 * Also the console's connector pages, `/admin/catalog`, `/admin/build` and `/admin/import`, and the
 * script editor's modules (`/admin/vendor/…`, see vendor-modules.ts).
 */
export function createAdminRoutes(options: AdminRoutesOptions = {}): (req: Req, res: Res) => boolean {
  const dir = options.webDir ?? new URL("../../../web/admin/", import.meta.url);
  const routes = new Map(
    Object.entries(FILES).map(([path, { file, contentType }]) => {
      const body = readFileSync(new URL(file, dir));
      return [path, { body, contentType, headers: headersFor(body) }];
    }),
  );
  const vendor = createVendorRoutes(HEADERS);
  const overview =
    options.overview === undefined ? undefined : createOverviewDataRoute(options.overview, HEADERS);

  return (req, res) => {
    if (overview?.(req, res) === true) return true;
    if (vendor(req, res)) return true;
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const found = routes.get(query < 0 ? url : url.slice(0, query));
    if (found === undefined) return false;
    for (const [name, value] of Object.entries(found.headers)) res.setHeader(name, value);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.statusCode = 405;
      res.setHeader("allow", "GET, HEAD");
      res.end();
      return true;
    }
    res.statusCode = 200;
    res.setHeader("content-type", found.contentType);
    res.setHeader("content-length", found.body.byteLength);
    if (req.method === "HEAD") res.end();
    else res.end(found.body);
    return true;
  };
}
