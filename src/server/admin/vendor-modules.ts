import { readFileSync } from "node:fs";
import type { NodeReq as Req, NodeRes as Res } from "../../protocol/node-types.ts";

/**
 * The ES modules of CodeMirror 6 (and what they import) that the console's script editor loads, by the
 * bare name they import each other with. Each is served whole, as its package publishes it for `import`.
 */
export const VENDOR_MODULES = [
  "codemirror",
  "@codemirror/autocomplete",
  "@codemirror/commands",
  "@codemirror/lang-javascript",
  "@codemirror/language",
  "@codemirror/lint",
  "@codemirror/search",
  "@codemirror/state",
  "@codemirror/streamparser",
  "@codemirror/view",
  "@lezer/common",
  "@lezer/highlight",
  "@lezer/javascript",
  "@lezer/lr",
  "@marijn/find-cluster-break",
  "crelt",
  "style-mod",
  "w3c-keyname",
] as const;

/** Where the browser fetches a vendor module: `/admin/vendor/<bare name>.js`. */
export const vendorPath = (name: string) => `/admin/vendor/${name}.js`;

/**
 * The import map a page that loads the editor declares: every bare name the modules import, mapped to
 * its path. The modules are served unchanged, so the browser resolves their `import … from "@codemirror/state"`
 * through this map (rewriting the specifiers instead would mean parsing each module when serving it).
 */
export function vendorImportMap(): { imports: Record<string, string> } {
  return { imports: Object.fromEntries(VENDOR_MODULES.map((name) => [name, vendorPath(name)])) };
}

/**
 * Serves {@link VENDOR_MODULES} from node_modules, read once, here: GET/HEAD `/admin/vendor/<name>.js`.
 * Requests are matched against the list exactly, so no path from the URL reaches the file system. Each
 * package is found as Node finds it for `import` (its `exports`), so the served file is the one a bundler
 * would take. `headers` are the admin pages' own (no-store, nosniff, the CSP).
 */
export function createVendorRoutes(
  headers: Readonly<Record<string, string>>,
): (req: Req, res: Res) => boolean {
  const files = new Map(
    VENDOR_MODULES.map((name) => [vendorPath(name), readFileSync(new URL(import.meta.resolve(name)))]),
  );
  return (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const body = files.get(query < 0 ? url : url.slice(0, query));
    if (body === undefined) return false;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.statusCode = 405;
      res.setHeader("allow", "GET, HEAD");
      res.end();
      return true;
    }
    res.statusCode = 200;
    res.setHeader("content-type", "text/javascript; charset=utf-8");
    res.setHeader("content-length", body.byteLength);
    if (req.method === "HEAD") res.end();
    else res.end(body);
    return true;
  };
}
