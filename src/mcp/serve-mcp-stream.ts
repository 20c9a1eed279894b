import { Code, ConnectError } from "@connectrpc/connect";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { AbortFanOut } from "../protocol/abort-fan-out.ts";
import { SERVER_STOPPING } from "../protocol/server-stopping.ts";
import type { McpCaller } from "./call-building-tool.ts";
import { createMcpServer } from "./create-mcp-server.ts";
import type { McpDeps } from "./mcp-deps.ts";
import type { WriteAnswer } from "./serve-mcp-request.ts";
import type { StreamRefusal } from "./tool-list-notices.ts";

/** What a stream a limit refuses is answered (docs/mcp.md); a stopping process sends its clients elsewhere. */
const REFUSALS: Readonly<Record<StreamRefusal, readonly [string, Code]>> = {
  perKey: [
    "this key holds as many MCP streams as it may on this replica: close one first",
    Code.ResourceExhausted,
  ],
  perTenant: [
    "this tenant holds as many MCP streams as it may on this replica: close one first",
    Code.ResourceExhausted,
  ],
  total: ["this replica holds as many MCP streams as it may: retry later", Code.ResourceExhausted],
  stopping: [SERVER_STOPPING.rawMessage, SERVER_STOPPING.code],
};

function refusal(refused: StreamRefusal): ConnectError {
  const [message, code] = REFUSALS[refused];
  return new ConnectError(message, code);
}

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
  if (typeof forget === "string") return refusal(forget);
  try {
    await server.connect(transport);
    await write(await transport.handleRequest(request));
    return undefined;
  } finally {
    forget();
    await server.close();
  }
}
