import type { ConnectError } from "@connectrpc/connect";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { McpCaller } from "./call-building-tool.ts";
import { createMcpServer, type McpCallState } from "./create-mcp-server.ts";
import type { McpDeps } from "./mcp-deps.ts";

/**
 * Answers one authenticated MCP request with the SDK: a new server for the caller and a stateless
 * transport (no `sessionIdGenerator`: no session id is issued or checked; docs/mcp.md says why), both
 * closed when the answer is made. JSON answers, not an SSE stream: a stateless request has nothing to
 * stream after its answer.
 */
export async function serveMcpRequest(
  deps: McpDeps,
  caller: McpCaller,
  request: Request,
  parsedBody: unknown,
): Promise<{ answer: Response; failed: ConnectError | undefined }> {
  const state: McpCallState = { failed: undefined };
  const server = createMcpServer(deps, caller, state);
  const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
  try {
    await server.connect(transport);
    const answer = await transport.handleRequest(request, { parsedBody });
    // Read before closing: the body is complete once the JSON answer is made.
    const body = await answer.arrayBuffer();
    return {
      answer: new Response(body, { status: answer.status, headers: answer.headers }),
      failed: state.failed,
    };
  } finally {
    await transport.close();
    await server.close();
  }
}
