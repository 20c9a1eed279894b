import { createHash } from "node:crypto";
import { escapeHtml } from "../../protocol/escape-html.ts";
import { explainFailure } from "./completion-failures.ts";

/** BroadcastChannel name and localStorage key the dashboard listens on. */
export const COMPLETION_CHANNEL = "patchbay-oauth";

/** What the OAuth flow ended with. */
export interface CompletionPageOptions {
  ok: boolean;
  connectionId?: string;
  /**
   * Operator-safe code when `ok` is false: `access_denied`, `state_expired`, `state_reused`, … (see
   * `COMPLETION_FAILURES`). Anything that does not look like a code is shown and sent as `unknown_error`.
   */
  reason?: string;
}

/** The page and the headers it must be served with. */
export interface CompletionPage {
  html: string;
  /** Allows exactly the page's inline script and style, by hash, and nothing else. */
  contentSecurityPolicy: string;
  /** Every response header the page needs, `Content-Security-Policy` included. */
  headers: Readonly<Record<string, string>>;
}

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:32rem;padding:0 1rem;color:#222}" +
  "h1{font-size:1.3rem}.code{color:#555;font-size:.9rem}";

// A reason is shown and sent only when it has the shape of a code: never free text from anywhere.
const REASON_CODE = /^[a-z][a-z0-9_]{0,63}$/;

// JSON inside <script>: escape what could end the element or break the JavaScript parse.
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function sha256Source(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

function failureBody(reason: string): string {
  const { title, what, next } = explainFailure(reason);
  return (
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(what)}</p><p>${escapeHtml(next)}</p>` +
    `<p class="code">Error code: <code>${escapeHtml(reason)}</code></p>`
  );
}

/**
 * The page the OAuth callback answers. Its inline script tells the dashboard tab that opened the flow,
 * through BroadcastChannel and a localStorage write (`{connectionId, ok, reason, at}`; the storage event
 * reaches tabs where BroadcastChannel is unavailable). On success the tab then closes; on failure it stays
 * open and says, in plain words, what happened and what to do, with the stable reason code beside it.
 * No external assets; the CSP admits the inline script and style by hash only.
 */
export function completionPage(options: CompletionPageOptions): CompletionPage {
  const given = options.reason ?? "";
  const reason = options.ok ? null : REASON_CODE.test(given) ? given : "unknown_error";
  const message = { connectionId: options.connectionId ?? null, ok: options.ok, reason };
  const script =
    `(function(){var m=${scriptJson(message)};m.at=Date.now();` +
    `try{var c=new BroadcastChannel(${scriptJson(COMPLETION_CHANNEL)});c.postMessage(m);c.close()}catch(e){}` +
    `try{localStorage.setItem(${scriptJson(COMPLETION_CHANNEL)},JSON.stringify(m))}catch(e){}` +
    `${reason === null ? "setTimeout(function(){window.close()},150);" : ""}})();`;
  const body = reason === null ? "<p>Connected. You can close this tab.</p>" : failureBody(reason);
  const title = reason === null ? "Connected" : "Could not connect";
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>` +
    `<style>${STYLE}</style></head><body>${body}<script>${script}</script></body></html>`;
  const contentSecurityPolicy =
    `default-src 'none'; script-src ${sha256Source(script)}; style-src ${sha256Source(STYLE)}; ` +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  return {
    html,
    contentSecurityPolicy,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": contentSecurityPolicy,
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
    },
  };
}
