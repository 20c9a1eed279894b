import type { ConnectorResult } from "../define/outcome.ts";
import type { Credentials } from "./apply-security.ts";
import { encodeBody, randomBoundary } from "./encode-body.ts";
import { headerNameProblem } from "./header-name-problem.ts";
import { isHeaderValue } from "./is-header-value.ts";
import type { OperationPlan } from "./openapi-plan.ts";
import { serializeParam } from "./serialize-param.ts";

/** An HTTP request built from a plan; its URL and headers carry param values and secrets. */
export interface BuiltRequest {
  url: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: string;
}

/** The request, or the failure that stopped it. */
export type BuildOutcome = { ok: true; request: BuiltRequest } | { ok: false; result: ConnectorResult };

// WHATWG URL parsing resolves "." and ".." segments (also spelled %2e), so a path param that forms one
// would silently reach a different endpoint.
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

function failure(error: string, errorCode: string): { ok: false; result: ConnectorResult } {
  return { ok: false, result: { success: false, error, errorCode } };
}

/**
 * Builds the request for one operation: path params expanded into the template (appended to the base
 * URL's path), query and cookie pieces after the base URL's own query and the credentials', header
 * params (never one Patchbay or the HTTP client sets, such as Host), the body and its Content-Type, and Accept from the success response's media type. Absent
 * params are left out; params the plan does not describe are ignored.
 */
export function buildRequest(
  operation: OperationPlan,
  params: Record<string, unknown>,
  base: URL,
  credentials: Credentials,
  boundary: () => string = randomBoundary,
): BuildOutcome {
  const query = base.search.length > 1 ? [base.search.slice(1)] : [];
  const cookies: string[] = [];
  const headers: Record<string, string> = {};
  const missing: string[] = [];
  const invalid: string[] = [];
  const path = operation.path.replace(/\{([^{}]+)\}/g, (_token, name: string) => {
    const param = operation.params.find((p) => p.in === "path" && p.name === name);
    const value = param === undefined ? undefined : params[param.param];
    if (param === undefined || value === undefined) {
      missing.push(param?.param ?? name);
      return "";
    }
    const text = serializeParam(param, value)[0] ?? "";
    if (DOT_SEGMENT.test(text)) invalid.push(`${param.param} must not be "." or ".."`);
    return text;
  });
  for (const param of operation.params) {
    const value = params[param.param];
    if (value === undefined || param.in === "path" || param.in === "body") continue;
    // Import skips these; a plan stored before it did may still hold one.
    if (param.in === "header" && headerNameProblem(param.name, "param") !== undefined) continue;
    const pieces = serializeParam(param, value);
    if (param.in === "query") query.push(...pieces);
    else if (param.in === "cookie") cookies.push(...pieces);
    else if (pieces[0] !== undefined) {
      if (isHeaderValue(pieces[0])) headers[param.name.toLowerCase()] = pieces[0];
      else invalid.push(`${param.param} has characters a header cannot carry`);
    }
  }
  if (missing.length > 0)
    return failure(`Missing required field(s): ${missing.join(", ")}`, "MISSING_REQUIRED_FIELDS");
  if (invalid.length > 0) return failure(`Invalid field(s): ${invalid.join("; ")}`, "INVALID_PARAMS");
  // Credentials last: a header param of the same name (Petstore's deletePet `api_key`) must not replace them.
  Object.assign(headers, credentials.headers);
  query.push(...credentials.query);
  cookies.push(...credentials.cookies);
  if (cookies.length > 0) headers.cookie = cookies.join("; ");
  if (headers.accept === undefined && operation.responseMediaType !== undefined)
    headers.accept = operation.responseMediaType;
  const encoded = encodeBody(operation, params, boundary);
  if (encoded !== undefined) headers["content-type"] = encoded.contentType;
  const url = `${base.origin}${base.pathname.replace(/\/+$/, "")}${path}${query.length > 0 ? `?${query.join("&")}` : ""}`;
  return { ok: true, request: { url, headers, ...(encoded !== undefined ? { body: encoded.body } : {}) } };
}
