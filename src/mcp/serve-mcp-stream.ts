import { Code, ConnectError } from "@connectrpc/connect";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { AbortFanOut } from "../protocol/abort-fan-out.ts";
import type { McpCaller } from "./call-building-tool.ts";
import { createMcpServer } from "./create-mcp-server.ts";
import type { McpDeps } from "./mcp-deps.ts";
import type { WriteAnswer } from "./serve-mcp-request.ts";

/**
 * Answers `GET /mcp`: the server-to-client stream on which the caller hears
 * `notifications/tools/list_changed` when a change anywhere (any replica, any write path) can have
 * changed its tool list. The stream belongs to no session and holds nothing of the caller but its key,
 * which is checked again while the stream lasts; it ends when the key stops working, when the client
 * leaves, and when the process begins to stop (the client then reconnects, to any replica). Refused
 * with RESOURCE_EXHAUSTED past the stream limits.
 */
export async function serveMcpStream(
  deps: McpDeps,
  caller: McpCaller,
  request: Request,
  keyValid: () => Promise<boolean>,
  stopping: AbortFanOut,
  write: WriteAnswer,
): Promise<ConnectError | undefined> {
  const server = createMcpServer(deps, caller, { failed: undefined, streaming: true }, stopping);
  const transport = new WebStandardStreamableHTTPServerTransport({});
  const forget = deps.notices.watch({
    principal: caller.principal,
    notify: () => {
      server.sendToolListChanged().catch(() => transport.close());
    },
    keyValid,
    end: () => {
      void transport.close();
    },
  });
  if (forget === undefined) {
    return new ConnectError("too many MCP streams open: close one first", Code.ResourceExhausted);
  }
  try {
    await server.connect(transport);
    await write(await transport.handleRequest(request));
    return undefined;
  } finally {
    forget();
    await server.close();
  }
}
