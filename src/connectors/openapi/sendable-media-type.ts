/**
 * The Content-Type to send for a media type a description declares. A description's `content` keys may
 * be media ranges (`application/*+json`, `text/*`, `*\/*`: RFC 9110 §12.5.1 lets a description say
 * "any of these"), but a request carries one concrete type, and a server that matches types exactly
 * refuses a range. A JSON range or the any-type becomes `application/json`, `text/*` becomes
 * `text/plain`, any other range `application/octet-stream`; a concrete type is kept as declared.
 */
export function sendableMediaType(declared: string): string {
  const type = (declared.split(";")[0] ?? "").trim().toLowerCase();
  if (!type.includes("*")) return declared;
  if (type === "*/*" || type === "application/*" || type.endsWith("+json")) return "application/json";
  if (type === "text/*") return "text/plain";
  return "application/octet-stream";
}

/**
 * How much a request body's media type is preferred (lower first): `application/json` itself, then other
 * JSON types and ranges, then forms, multipart, anything else.
 */
export function mediaTypeRank(declared: string): number {
  const type = (declared.split(";")[0] ?? "").trim().toLowerCase();
  if (type === "application/json") return 0;
  if (type.endsWith("+json") || type === "*/*") return 1;
  if (type === "application/x-www-form-urlencoded") return 2;
  if (type.startsWith("multipart/")) return 3;
  return 4;
}
