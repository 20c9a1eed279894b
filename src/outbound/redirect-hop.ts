/** Redirects followed before a request fails with TOO_MANY_REDIRECTS. */
export const MAX_REDIRECTS = 5;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CROSS_ORIGIN_DROPPED = ["authorization", "cookie", "proxy-authorization"];

/** One request of a redirect chain, as it is sent. */
export interface Hop {
  readonly target: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

/** The lower-case names of the headers a cross-origin redirect drops: credentials, and the caller's own. */
export function droppedOnCrossOrigin(sensitiveHeaders: readonly string[] = []): ReadonlySet<string> {
  return new Set([...CROSS_ORIGIN_DROPPED, ...sensitiveHeaders.map((name) => name.toLowerCase())]);
}

/** Whether an answer is a redirect to follow. */
export function isRedirect(status: number, location: string | undefined): location is string {
  return REDIRECTS.has(status) && location !== undefined;
}

/**
 * The request a redirect asks for: to `next`, as GET without a body after a 303 (but HEAD) or after a
 * 301/302 answering a POST, and without the dropped headers when it leaves the origin.
 */
export function redirectHop(hop: Hop, status: number, next: URL, dropped: ReadonlySet<string>): Hop {
  let { method, headers, body } = hop;
  if (status === 303 ? method !== "HEAD" : status <= 302 && method === "POST") {
    method = "GET";
    body = undefined;
    headers = without(headers, (name) => name === "content-type" || name === "content-length");
  }
  if (next.origin !== hop.target.origin) headers = without(headers, (name) => dropped.has(name));
  return { target: next, method, headers, body };
}

function without(
  headers: Record<string, string>,
  drop: (lowerName: string) => boolean,
): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !drop(name.toLowerCase())));
}
