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
  "/admin/admin.css": { file: "admin.css", contentType: "text/css; charset=utf-8" },
  // What the pages share (the key, messages, API calls), imported by each page's module.
  "/admin/admin-common.js": { file: "admin-common.js", contentType: "text/javascript; charset=utf-8" },
};

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
 * `/admin/agents` (the connected on-premise agents) and `/admin/overview` (charts of this replica's
 * metrics), their scripts (`/admin/<page>.js`), `/admin/admin.css`, and the overview's data
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
