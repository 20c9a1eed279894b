import type { ConnectError } from "@connectrpc/connect";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { AbortFanOut } from "../protocol/abort-fan-out.ts";
import type { McpCaller } from "./call-building-tool.ts";
import { createMcpServer, type McpCallState } from "./create-mcp-server.ts";
import type { McpDeps } from "./mcp-deps.ts";
import { RelayTransport } from "./relay-transport.ts";

/** Writes an answer (its status, headers and body, streamed) and resolves when it has ended. */
export type WriteAnswer = (answer: Response) => Promise<void>;

/**
 * Answers one authenticated MCP POST with the SDK: a new server for the caller and a stateless transport
 * (no `sessionIdGenerator`: no session id is issued or checked; docs/mcp.md says why), dropped once the
 * answer has been written. The answer is plain JSON, except for a `generate_connector_script` call
 * that may ask the client's model: its answer is an SSE stream that carries `sampling/createMessage` to
 * the client, whose reply comes back in a later POST through the reply relay. A tool call or resource
 * read ends when the client goes away (`gone`) before its answer is complete, and when the server stops
 * (`stopping`).
 */
export async function serveMcpRequest(
  deps: McpDeps,
  caller: McpCaller,
  request: Request,
  parsedBody: unknown,
  gone: AbortSignal,
  stopping: AbortFanOut,
  write: WriteAnswer,
): Promise<ConnectError | undefined> {
  const state: McpCallState = { failed: undefined, streaming: mayAskTheModel(parsedBody), gone };
  const server = createMcpServer(deps, caller, state, stopping);
  const inner = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: !state.streaming });
  try {
    await server.connect(new RelayTransport(inner, deps.replies, caller.principal.keyId));
    await write(await inner.handleRequest(request, { parsedBody }));
    return state.failed;
  } finally {
    // A JSON answer leaves nothing open (no stream, no timer, no request of the server's own): the
    // server and transport are dropped with the request. Closing them at once would abort the handler's
    // controller the SDK has not yet let go of, at the cost of an exception per request.
    if (state.streaming) await server.close();
  }
}

/** Whether the request is one `generate_connector_script` call that has not turned sampling off. */
function mayAskTheModel(message: unknown): boolean {
  if (!isRecord(message) || message.method !== "tools/call" || !isRecord(message.params)) return false;
  const { name, arguments: args } = message.params;
  return name === "generate_connector_script" && !(isRecord(args) && args.useSampling === false);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
