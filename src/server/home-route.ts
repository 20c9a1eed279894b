import { createHash } from "node:crypto";
import { escapeHtml } from "../protocol/escape-html.ts";
import type { NodeReq as Req, NodeRes as Res } from "../protocol/node-types.ts";
import { prefersJson } from "./prefers-json.ts";
import type { ServerIdentity } from "./server-identity.ts";

/** The admin console's first page; every console page links the others. */
const CONSOLE = "/admin/overview";

/** The places a newcomer looks first, in the order the page lists them. */
const LINKS = [
  { key: "docs", href: "/docs", title: "API reference", note: "the REST/JSON API, browsable (Swagger UI)" },
  {
    key: "redoc",
    href: "/api/redoc",
    title: "API reference (Redoc)",
    note: "the same document, for reading",
  },
  { key: "openapi", href: "/openapi.json", title: "OpenAPI document", note: "also as /openapi.yaml" },
  {
    key: "admin",
    href: "/admin/connector-events",
    title: "Connector events",
    note: "webhook endpoints, events and jobs; asks for an API key",
  },
  {
    key: "agents",
    href: "/admin/agents",
    title: "Agents",
    note: "the connected on-premise agents by pool; asks for an admin key",
  },
  {
    key: "overview",
    href: "/admin/overview",
    title: "Overview",
    note: "charts of this server's last hour: calls, errors, latency, webhooks; asks for an admin key",
  },
  { key: "healthz", href: "/healthz", title: "/healthz", note: "the process is alive" },
  { key: "readyz", href: "/readyz", title: "/readyz", note: "database reachable and migrations applied" },
] as const;

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:40rem;padding:0 1rem;color:#222}" +
  "h1 small{font-weight:normal;color:#666}li{margin:.4rem 0}" +
  ".console{font-size:1.15rem;padding:.6rem .8rem;border:1px solid #ccd;border-radius:6px}";

function pageHtml(identity: ServerIdentity): string {
  const name = escapeHtml(identity.name);
  const version = escapeHtml(identity.version);
  const items = LINKS.map(
    (link) => `<li><a href="${link.href}">${escapeHtml(link.title)}</a> — ${escapeHtml(link.note)}</li>`,
  ).join("");
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>${name} ${version}</title><style>${STYLE}</style></head><body>` +
    `<h1>${name} <small>${version}</small></h1>` +
    "<p>A connector execution service. This port serves its API as gRPC, gRPC-Web, Connect and " +
    "REST/JSON; calls need an API key (<code>Authorization: Bearer &lt;key&gt;</code>).</p>" +
    `<p class="console"><a href="${CONSOLE}">Open the admin console</a> — connections, executions, ` +
    "keys, the catalog and the other admin pages, under one navigation; asks for an API key.</p>" +
    `<ul>${items}</ul></body></html>`
  );
}

function sha256Source(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/**
 * `GET /` (and HEAD): a small page naming the server and its version, leading to the admin console, with
 * links to the API reference, the OpenAPI document, the admin pages and the health checks; JSON (`{name, version, links}`) when the
 * `Accept` header prefers it. The page loads nothing: its CSP admits only its own inline style, by hash.
 * Other methods on `/` get 405. The returned handler answers and returns true for `/` only.
 */
export function createHomeRoute(identity: ServerIdentity): (req: Req, res: Res) => boolean {
  const html = Buffer.from(pageHtml(identity));
  const json = Buffer.from(
    JSON.stringify({
      name: identity.name,
      version: identity.version,
      links: { console: CONSOLE, ...Object.fromEntries(LINKS.map((link) => [link.key, link.href])) },
    }),
  );
  const headers = {
    vary: "Accept",
    "content-security-policy":
      `default-src 'none'; style-src ${sha256Source(STYLE)}; ` +
      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };

  return (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    if ((query < 0 ? url : url.slice(0, query)) !== "/") return false;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.statusCode = 405;
      res.setHeader("allow", "GET, HEAD");
      res.end();
      return true;
    }
    const asJson = prefersJson(req.headers.accept);
    const body = asJson ? json : html;
    res.statusCode = 200;
    res.setHeader("content-type", asJson ? "application/json" : "text/html; charset=utf-8");
    res.setHeader("content-length", body.byteLength);
    if (req.method === "HEAD") res.end();
    else res.end(body);
    return true;
  };
}
