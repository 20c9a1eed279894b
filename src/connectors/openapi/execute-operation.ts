import { OutboundError, type OutboundRequestInit, type OutboundResponse } from "../../outbound/index.ts";
import type { ConnectorResult } from "../define/outcome.ts";
import { applySecurity } from "./apply-security.ts";
import { buildRequest } from "./build-request.ts";
import type { OpenApiPlan } from "./openapi-plan.ts";
import { readResponse } from "./read-response.ts";
import type { TokenFetch } from "./request-client-credentials-token.ts";
import { resolveBaseUrl } from "./resolve-base-url.ts";
import type { IssuedToken, TokenCache } from "./token-cache.ts";
import { validateParams } from "./validate-params.ts";

/** One command of an OpenAPI-derived connector to run. */
export interface OperationCall {
  /** Command name: a key of the plan's operations. */
  command: string;
  /** Already checked by the generic dispatcher: command exists, defaults applied, required present, coarse types. */
  params: Record<string, unknown>;
  /** Instance config merged with the connection's decrypted credentials (secret!): baseUrl, apiKey fields,
   *  bearerToken, username/password, for OAuth connections {accessToken, tokenType}, and for the
   *  client credentials grant {clientId, clientSecret, tokenUrl}. */
  config: Record<string, unknown>;
  /** Total time for the HTTP exchange, redirects and body included. */
  timeoutMs: number;
  /** The caller's cancellation; its abort is rethrown, not turned into a result. */
  signal: AbortSignal;
  /** Told the access token a client-credentials grant brought, so the caller scrubs it from the result. */
  addSecret?: (value: string) => void;
}

/** How the request goes out: the SSRF-safe outbound client, or a test's own client. */
export type SendRequest = (url: string, init: OutboundRequestInit) => Promise<OutboundResponse>;

/** How an operation reaches the world; the server builds it once from its outbound client. */
export interface OperationIo {
  /** Sends the operation's request (the outbound client's `request`). */
  send: SendRequest;
  /**
   * Sends the token request of an OAuth 2 client credentials grant: `fetch` under the egress policy (the
   * outbound client's `guard.fetch`), so a token URL on an internal address is refused unless
   * PATCHBAY_EGRESS_ALLOW lists it.
   */
  fetch: TokenFetch;
  /** Where client credentials tokens are kept (one cache per server). */
  tokens: TokenCache;
}

function failure(error: string, errorCode: string): ConnectorResult {
  return { success: false, error, errorCode };
}

/**
 * Executes one command of an OpenAPI plan: params checked against their JSON Schemas (INVALID_PARAMS),
 * base URL resolved (NOT_CONFIGURED), security applied (MISSING_CREDENTIALS; a client credentials token
 * fetched or reused, UPSTREAM_AUTH_FAILED when the token endpoint refuses), the request built and sent
 * through `io.send` with the credentials' headers marked sensitive (a cross-origin redirect drops them),
 * the answer turned into a result (a 2xx payload, else `UPSTREAM_HTTP_<status>`).
 * Outbound failures become results with the client's code; the caller's abort is rethrown. No message
 * carries a param value, a secret, the URL or the upstream body. An upstream 401 drops the client
 * credentials token it was sent with, so the next call fetches a new one.
 */
export async function executeOperation(
  plan: OpenApiPlan,
  call: OperationCall,
  io: OperationIo,
): Promise<ConnectorResult> {
  const operation = Object.hasOwn(plan.operations, call.command) ? plan.operations[call.command] : undefined;
  if (operation === undefined)
    return failure(`Unknown command '${call.command.slice(0, 64)}'`, "UNKNOWN_COMMAND");
  const invalid = validateParams(operation, call.params, plan.schemas);
  if (invalid.length > 0) return failure(`Invalid field(s): ${invalid.join("; ")}`, "INVALID_PARAMS");
  const base = resolveBaseUrl(plan, call.config, operation);
  if (base === undefined)
    return failure("the connection's baseUrl is missing or not an http(s) URL", "NOT_CONFIGURED");
  const security = applySecurity(plan, operation, call.config);
  if (!security.ok) return security.result;
  const { send, tokens } = io;
  let issued: IssuedToken | undefined;
  if (security.credentials.grant !== undefined) {
    const token = await tokens.get(security.credentials.grant, {
      fetch: io.fetch,
      timeoutMs: call.timeoutMs,
      signal: call.signal,
    });
    if (!token.ok) return token.result;
    call.addSecret?.(token.token);
    security.credentials.headers.authorization = `Bearer ${token.token}`;
    issued = token;
  }
  const built = buildRequest(operation, call.params, base, security.credentials);
  if (!built.ok) return built.result;
  const { url, headers, body } = built.request;
  let response: OutboundResponse;
  try {
    response = await send(url, {
      method: operation.method,
      headers,
      timeoutMs: call.timeoutMs,
      signal: call.signal,
      // An API key in its own header must not follow a redirect to another origin.
      sensitiveHeaders: Object.keys(security.credentials.headers),
      ...(body !== undefined ? { body } : {}),
    });
  } catch (error) {
    // The client's messages name the host only, never the path, query or headers.
    if (error instanceof OutboundError)
      return failure(error.message, error.code === "TIMEOUT" ? "UPSTREAM_TIMEOUT" : error.code);
    throw error;
  }
  if (issued !== undefined && response.status === 401) tokens.forget(issued);
  return readResponse(operation, response);
}
