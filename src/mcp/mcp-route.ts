import { Code, ConnectError } from "@connectrpc/connect";
import { hasScope, type Principal, presentedKey } from "../auth/index.ts";
import { codeName } from "../protocol/errors.ts";
import { REQUEST_ID_HEADER } from "../protocol/headers.ts";
import { httpStatusOf } from "../protocol/http-status.ts";
import type { NodeReq, NodeRes } from "../protocol/node-types.ts";
import { narrowingOf } from "./check-narrowing.ts";
import type { McpDeps } from "./mcp-deps.ts";
import { PROTECTED_RESOURCE_PATH } from "./protected-resource.ts";
import { serveMcpRequest } from "./serve-mcp-request.ts";
import type { ToolNarrowing } from "./tool-narrowing.ts";

/** Where MCP is served (Streamable HTTP). */
export const MCP_PATH = "/mcp";

/** What the caller's log line says of one MCP request. */
export interface McpOutcome {
  /** `/mcp/<JSON-RPC method>` for a single request (`/mcp/tools/call`), `/mcp` otherwise. */
  readonly procedure: string;
  /** The API key's id, once it authenticated. */
  readonly principal: string | undefined;
  /** Why the request (or its tool call) failed; undefined when it succeeded. */
  readonly error: ConnectError | undefined;
}

/**
 * Serves one MCP request and says how it ended; the caller has put the request id on the answer and
 * writes the log line.
 */
export type McpHandler = (req: NodeReq, res: NodeRes) => Promise<McpOutcome>;

/**
 * The `/mcp` endpoint: the API key (`Authorization: Bearer` or `X-API-Key`, verified by the same key
 * store as every RPC) and the `mcp` scope, the body under the server's body limit, then a new MCP server
 * and a stateless Streamable HTTP transport for this request alone. No session is held: any replica
 * answers any request, so a load balancer needs no affinity. Answers are plain JSON (no SSE stream);
 * GET, which would open a server-to-client stream, is refused with 405 as stateless servers do.
 */
export function createMcpHandler(deps: McpDeps): McpHandler {
  const challenge = (error?: string) =>
    `Bearer resource_metadata="${deps.publicUrl.replace(/\/+$/, "")}${PROTECTED_RESOURCE_PATH}"${error ? `, error="${error}"` : ""}`;
  return async (req, res) => {
    let procedure = MCP_PATH;
    let principal: Principal | undefined;
    const refuse = (
      error: ConnectError,
      headers: Record<string, string> = {},
      status?: number,
    ): McpOutcome => {
      if (!res.headersSent) {
        res.writeHead(status ?? httpStatusOf(error.code), { ...headers, "content-type": "application/json" });
        res.end(JSON.stringify({ code: codeName(error.code), message: error.rawMessage }));
      }
      return { procedure, principal: principal?.keyId, error };
    };
    const method = req.method ?? "GET";
    if (method !== "POST") {
      const error = new ConnectError(
        "MCP is served statelessly: send JSON-RPC with POST",
        Code.Unimplemented,
      );
      return refuse(error, { allow: "POST" }, 405);
    }
    const key = presentedKey(keyHeaders(req));
    if (key === undefined) {
      return refuse(
        new ConnectError(
          "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
          Code.Unauthenticated,
        ),
        { "www-authenticate": challenge() },
      );
    }
    principal = await deps.keys.verify(key);
    if (principal === undefined) {
      return refuse(new ConnectError("unknown or revoked API key", Code.Unauthenticated), {
        "www-authenticate": challenge("invalid_token"),
      });
    }
    if (!hasScope(principal.scopes, "mcp")) {
      return refuse(new ConnectError("API key lacks scope 'mcp'", Code.PermissionDenied), {
        "www-authenticate": `${challenge("insufficient_scope")}, scope="mcp"`,
      });
    }
    const limited = await deps.rateLimit(principal);
    for (const [name, value] of limited.headers) res.setHeader(name, value);
    if (limited.refused !== undefined) {
      const retryAfter = limited.refused.metadata.get("retry-after");
      return refuse(limited.refused, retryAfter === null ? {} : { "retry-after": retryAfter });
    }
    // One in-flight count per key across protocols: the router's own gate (and its load shedding).
    let leave: () => void;
    try {
      leave = deps.admit(principal);
    } catch (error) {
      if (!(error instanceof ConnectError)) throw error;
      const retryAfter = error.metadata.get("retry-after");
      return refuse(error, retryAfter === null ? {} : { "retry-after": retryAfter });
    }
    try {
      const body = await deps.readBody(req);
      if (body === undefined) {
        // 413, as the REST bridge answers it (RESOURCE_EXHAUSTED alone would map to 429).
        return refuse(new ConnectError("the request body is too large", Code.ResourceExhausted), {}, 413);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
      } catch {
        return refuse(new ConnectError("the request body is not JSON", Code.InvalidArgument));
      }
      procedure = procedureOf(parsed);
      let narrowing: ToolNarrowing;
      try {
        narrowing = await narrowingOf(deps, principal, req);
      } catch (error) {
        if (!(error instanceof ConnectError)) throw error;
        return refuse(error, {}, 400);
      }

      // The caller's building tools run the server's own procedures with the key it presented, under the
      // request id the log line and the answer already carry.
      const requestId = res.getHeader(REQUEST_ID_HEADER);
      const caller = { principal, key, requestId: typeof requestId === "string" ? requestId : "", narrowing };
      const { answer, failed } = await serveMcpRequest(deps, caller, webRequest(req, body), parsed);
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
      const status =
        answer.status >= 400 ? new ConnectError(`HTTP ${answer.status}`, Code.InvalidArgument) : undefined;
      return { procedure, principal: principal.keyId, error: failed ?? status };
    } finally {
      leave();
    }
  };
}

/** The two headers a key may come in, as the auth interceptor reads them. */
function keyHeaders(req: NodeReq): Headers {
  const headers = new Headers();
  for (const name of ["authorization", "x-api-key"]) {
    const value = req.headers[name];
    if (typeof value === "string") headers.set(name, value);
  }
  return headers;
}

/** The request as the SDK's web-standard transport reads it (its body is already read and parsed). */
function webRequest(req: NodeReq, body: Uint8Array): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    // HTTP/2 pseudo-headers (`:path`) are not headers of a web Request.
    if (name.startsWith(":") || value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return new Request(`http://localhost${MCP_PATH}`, { method: "POST", headers, body });
}

/** `/mcp/<method>` of a single JSON-RPC message, for the log line; a batch or a response is `/mcp`. */
function procedureOf(message: unknown): string {
  if (typeof message !== "object" || message === null || !("method" in message)) return MCP_PATH;
  const method = message.method;
  return typeof method === "string" && /^[\w/.-]{1,64}$/.test(method) ? `${MCP_PATH}/${method}` : MCP_PATH;
}
