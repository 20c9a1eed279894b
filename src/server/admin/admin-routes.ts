import { readFileSync } from "node:fs";
import type { NodeReq as Req, NodeRes as Res } from "../../protocol/node-types.ts";
import { createOverviewDataRoute, type OverviewDataDeps } from "./overview-data-route.ts";

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
};

/** The paths of the admin pages (the HTML routes), in the route table's order; each carries the one navigation. */
export const ADMIN_PAGES: readonly string[] = Object.entries(FILES)
  .filter(([, route]) => route.contentType.startsWith("text/html"))
  .map(([path]) => path);

// The pages handle an API key: nothing but this origin may run, style, fetch or frame it, and the
// key-entry form can never be submitted anywhere (the script handles it).
const HEADERS = {
  "cache-control": "no-store",
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
} as const;

/**
 * The admin pages: GET/HEAD `/admin/connector-events` (the webhook endpoints, events and jobs page),
 * `/admin/agents` (the connected on-premise agents), `/admin/overview` (charts of this replica's
 * metrics), `/admin/connections`, `/admin/executions` and `/admin/keys` (the console's pages over the
 * public API), their scripts (`/admin/<page>.js`), `/admin/admin.css`, and the overview's data
 * `/admin/overview/data` (JSON, admin key). The files are read once, here; other methods on these paths
 * get 405. The returned handler answers and returns true for those paths only.
 */
export function createAdminRoutes(options: AdminRoutesOptions = {}): (req: Req, res: Res) => boolean {
  const dir = options.webDir ?? new URL("../../../web/admin/", import.meta.url);
  const routes = new Map(
    Object.entries(FILES).map(([path, { file, contentType }]) => [
      path,
      { body: readFileSync(new URL(file, dir)), contentType },
    ]),
  );
  const overview =
    options.overview === undefined ? undefined : createOverviewDataRoute(options.overview, HEADERS);

  return (req, res) => {
    if (overview?.(req, res) === true) return true;
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const found = routes.get(query < 0 ? url : url.slice(0, query));
    if (found === undefined) return false;
    for (const [name, value] of Object.entries(HEADERS)) res.setHeader(name, value);
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
