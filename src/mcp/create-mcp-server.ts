import { Code, ConnectError } from "@connectrpc/connect";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import { hasScope, type Principal } from "../auth/index.ts";
import { callConnectorTool } from "./call-connector-tool.ts";
import { listConnectorTools } from "./connector-tools.ts";
import type { McpDeps } from "./mcp-deps.ts";

/** What one request's MCP server reports back for the request's log line. */
export interface McpCallState {
  /** The failure of a tool call, when one failed (the HTTP answer is still 200). */
  failed: ConnectError | undefined;
}

/** The server's name and version in MCP's `initialize` answer. */
export const SERVER_INFO = { name: "patchbay", version: "1.0.0" } as const;

/**
 * The MCP server of one request, for one principal. It is the SDK's low-level `Server`, not `McpServer`:
 * connector tools are known only at request time and their input schemas are JSON Schema from the
 * connector's stored schema, while `McpServer.registerTool` takes Zod shapes fixed at registration.
 * It is made per request (stateless), so nothing of a caller outlives the request.
 */
export function createMcpServer(deps: McpDeps, principal: Principal, state: McpCallState): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false } },
    instructions:
      "Each tool runs one command of one of your Patchbay connections (or of a connector without auth).",
  });
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    // Connector tools run commands, which needs `execute`: a key without it is offered none.
    if (!hasScope(principal.scopes, "execute")) return { tools: [] };
    const tools = await listConnectorTools(deps, principal);
    return {
      tools: tools.map((tool) => ({
        name: tool.name,
        description: tool.description,
        inputSchema: tool.inputSchema,
        ...(tool.outputSchema !== undefined ? { outputSchema: tool.outputSchema } : {}),
      })),
    };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tools = await listConnectorTools(deps, principal);
    const tool = tools.find((t) => t.name === request.params.name);
    if (tool === undefined) {
      state.failed = new ConnectError("unknown tool", Code.NotFound);
      throw new McpError(ErrorCode.InvalidParams, `unknown tool: ${request.params.name}`);
    }
    const { result, failed } = await callConnectorTool(
      deps,
      principal,
      tool,
      request.params.arguments ?? {},
      extra.signal,
    );
    state.failed = failed;
    return result;
  });
  return server;
}
