/**
 * A request's headers and body as sent: strings as they are (`text/plain; charset=utf-8` unless the
 * caller named a Content-Type), anything else as JSON (`application/json` unless named). Undici sends a
 * string with no Content-Type at all, which servers read as they please (often as a form or octet
 * stream): every caller (scripts, the http built-in, connectors) gets a declared type instead.
 */
export function encodeBody(init: { readonly headers?: Record<string, string>; readonly body?: unknown }): {
  headers: Record<string, string>;
  body: string | undefined;
} {
  const headers = { ...init.headers };
  if (init.body === undefined || init.body === null) return { headers, body: undefined };
  const body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
  if (!Object.keys(headers).some((name) => name.toLowerCase() === "content-type")) {
    headers["content-type"] =
      typeof init.body === "string" ? "text/plain; charset=utf-8" : "application/json";
  }
  return { headers, body };
}
