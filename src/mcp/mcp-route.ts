import { Code, ConnectError } from "@connectrpc/connect";
import { isJSONRPCErrorResponse, isJSONRPCResultResponse } from "@modelcontextprotocol/sdk/types.js";
import { hasScope, type Principal, presentedKey } from "../auth/index.ts";
import { createAbortFanOut } from "../protocol/abort-fan-out.ts";
import { clientGone } from "../protocol/client-gone.ts";
import { codeName } from "../protocol/errors.ts";
import { REQUEST_ID_HEADER } from "../protocol/headers.ts";
import { httpStatusOf } from "../protocol/http-status.ts";
import type { NodeReq, NodeRes } from "../protocol/node-types.ts";
import { admitPlaces } from "./admit-places.ts";
import { batchCost } from "./batch-cost.ts";
import { narrowingOf } from "./check-narrowing.ts";
import { checkReplies } from "./check-replies.ts";
import type { McpDeps } from "./mcp-deps.ts";
import { PROTECTED_RESOURCE_PATH } from "./protected-resource.ts";
import type { ClientReply } from "./reply-relay.ts";
import { serveMcpRequest, type WriteAnswer } from "./serve-mcp-request.ts";
import { serveMcpStream } from "./serve-mcp-stream.ts";
import type { ToolNarrowing } from "./tool-narrowing.ts";

/** Answers to the server's requests one POST may carry (Patchbay asks one thing at a time). */
const MAX_REPLIES = 16;

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
 * answers any request, so a load balancer needs no affinity. Answers are plain JSON, except a
 * `generate_connector_script` call's, an SSE stream that can ask the client's model; the client's answer
 * (a POST of JSON-RPC responses only), once held to the input rules, goes to the request that waits for
 * it, on whichever replica. GET opens the notification stream (`notifications/tools/list_changed`).
 */
export function createMcpHandler(deps: McpDeps): McpHandler {
  // The endpoint's one listener on the server's shutdown: it ends every tool call still running.
  const stopping = createAbortFanOut(deps.shutdown);
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
    if (method !== "POST" && method !== "GET") {
      const error = new ConnectError(
        "MCP is served statelessly: send JSON-RPC with POST, or GET for notifications",
        Code.Unimplemented,
      );
      return refuse(error, { allow: "GET, POST" }, 405);
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
    if (limited.refused !== undefined) return refuse(limited.refused, retryAfterOf(limited.refused));
    // The caller's building tools run the server's own procedures with the key it presented, under the
    // request id the log line and the answer already carry.
    const requestId = res.getHeader(REQUEST_ID_HEADER);
    const caller = { principal, key, requestId: typeof requestId === "string" ? requestId : "" };
    // The request's one watch on its client: a client that leaves before its answer is complete ends
    // the tool call it waits for (its command is then cancelled by its caller, as an RPC's is) and the
    // stream it reads.
    const gone = clientGone(res);
    const write = writeTo(res, gone);

    if (method === "GET") {
      // The notification stream: long-lived, so it is held to the stream limits, not the in-flight one.
      procedure = `${MCP_PATH}/stream`;
      const keyValid = async () => {
        const now = await deps.keys.verify(key);
        return now !== undefined && hasScope(now.scopes, "mcp");
      };
      const refused = await serveMcpStream(deps, caller, webRequest(req, "GET"), keyValid, stopping, write);
      return refused === undefined
        ? { procedure, principal: principal.keyId, error: undefined }
        : refuse(refused);
    }

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
    const replies = clientReplies(parsed);
    if (replies !== undefined) {
      // Answers to the server's own requests (sampling) go to the request that waits for them, on
      // whichever replica; they are not calls of their own, so they take no in-flight place (the call
      // that waits holds one already).
      procedure = `${MCP_PATH}/reply`;
      if (replies.length > MAX_REPLIES) {
        return refuse(new ConnectError(`at most ${MAX_REPLIES} answers per request`, Code.InvalidArgument));
      }
      // Checked all before any is handed over: a refused POST stores nothing.
      const refused = checkReplies(replies, deps.input, deps.maxBodyBytes);
      if (refused !== undefined) return refuse(refused);
      for (const reply of replies) await deps.replies.hand(principal.keyId, reply);
      res.writeHead(202);
      res.end();
      return { procedure, principal: principal.keyId, error: undefined };
    }
    // One in-flight count per key across protocols: the router's own gate (and its load shedding). A
    // batch's messages run side by side, so it takes a place per request, all before any runs.
    const cost = batchCost(parsed);
    let leave: () => void;
    try {
      leave = admitPlaces(deps.admit, principal, cost.places);
    } catch (error) {
      if (!(error instanceof ConnectError)) throw error;
      return refuse(error, retryAfterOf(error));
    }
    try {
      if (cost.calls > 1) {
        // The POST counted once above; the rest of the batch's messages count now, all or none.
        const more = await deps.rateLimit(principal, cost.calls - 1);
        for (const [name, value] of more.headers) res.setHeader(name, value);
        if (more.refused !== undefined) return refuse(more.refused, retryAfterOf(more.refused));
      }
      // The URL's (or headers') narrowing of the tool list, checked before anything is served.
      let narrowing: ToolNarrowing;
      try {
        narrowing = await narrowingOf(deps, principal, req);
      } catch (error) {
        if (!(error instanceof ConnectError)) throw error;
        return refuse(error, {}, 400);
      }
      let status = 200;
      const failed = await serveMcpRequest(
        deps,
        { ...caller, narrowing },
        webRequest(req, "POST"),
        parsed,
        gone,
        stopping,
        (answer) => {
          status = answer.status;
          return write(answer);
        },
      );
      const refusedByTransport =
        status >= 400 ? new ConnectError(`HTTP ${status}`, Code.InvalidArgument) : undefined;
      // A client that left is logged as cancelled, as an RPC whose client left is, whatever its tool call
      // answered then.
      const error = gone.aborted ? ConnectError.from(gone.reason) : (failed ?? refusedByTransport);
      return { procedure, principal: principal.keyId, error };
    } finally {
      leave();
    }
  };
}

/** The `retry-after` header of a refusal that carries one. */
function retryAfterOf(error: ConnectError): Record<string, string> {
  const retryAfter = error.metadata.get("retry-after");
  return retryAfter === null ? {} : { "retry-after": retryAfter };
}

/**
 * Writes the SDK's answer to the Node response as it is produced (an SSE stream event by event) and
 * resolves when it has ended, or when the client left (`gone`: the stream is then cancelled).
 */
function writeTo(res: NodeRes, gone: AbortSignal): WriteAnswer {
  return async (answer) => {
    if (gone.aborted) {
      // The client left while the answer was made: nothing reaches it any more.
      await answer.body?.cancel().catch(() => undefined);
      return;
    }
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    // A stream's head goes out at once, so the client knows it is open before the first event.
    const streamed = answer.headers.get("content-type")?.startsWith("text/event-stream") === true;
    if (streamed && "flushHeaders" in res) res.flushHeaders();
    if (answer.body === null) {
      res.end();
      return;
    }
    const reader = answer.body.getReader();
    const left = () => {
      reader.cancel().catch(() => undefined);
    };
    // Only a stream can outlast its client: a JSON answer is whole by the time it is written.
    if (streamed) gone.addEventListener("abort", left, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        res.write(value);
      }
      res.end();
    } finally {
      if (streamed) gone.removeEventListener("abort", left);
    }
  };
}

/** The messages of a body that holds only answers to the server's requests; undefined otherwise. */
function clientReplies(message: unknown): ClientReply[] | undefined {
  const messages = Array.isArray(message) ? message : [message];
  if (messages.length === 0) return undefined;
  const replies = messages.filter((m) => isJSONRPCResultResponse(m) || isJSONRPCErrorResponse(m));
  return replies.length === messages.length ? replies : undefined;
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

/**
 * The request as the SDK's web-standard transport reads it: only the headers it reads, and no body (a
 * POST's body is already read, and the transport gets it parsed).
 */
function webRequest(req: NodeReq, method: "GET" | "POST"): Request {
  const headers = new Headers();
  for (const name of TRANSPORT_HEADERS) {
    const value = req.headers[name];
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return new Request(`http://localhost${MCP_PATH}`, { method, headers });
}

/** What the SDK's transport reads of a request's headers. */
const TRANSPORT_HEADERS = [
  "accept",
  "content-type",
  "mcp-protocol-version",
  "mcp-session-id",
  "last-event-id",
];

/** `/mcp/<method>` of a single JSON-RPC message, for the log line; a batch or a response is `/mcp`. */
function procedureOf(message: unknown): string {
  if (typeof message !== "object" || message === null || !("method" in message)) return MCP_PATH;
  const method = message.method;
  return typeof method === "string" && /^[\w/.-]{1,64}$/.test(method) ? `${MCP_PATH}/${method}` : MCP_PATH;
}
