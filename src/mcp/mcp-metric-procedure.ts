import { MCP_PATH } from "./mcp-route.ts";

// The protocol's own methods (client to server, and the notifications a client sends), plus the
// endpoint's own outcomes (`/mcp/stream`, `/mcp/reply`, `/mcp`). The log line names any well-formed
// method a caller sent; a metric label may only take values from a fixed set.
const KNOWN = new Set(
  [
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "logging/setLevel",
    "completion/complete",
    "notifications/initialized",
    "notifications/cancelled",
    "notifications/progress",
    "notifications/roots/list_changed",
    "stream",
    "reply",
  ].map((method) => `${MCP_PATH}/${method}`),
);

/**
 * The `procedure` label of an MCP request in the RPC metrics: its log line's procedure when it is one of
 * the protocol's methods (or `/mcp` itself), `/mcp/other` for anything else a caller made up, so the
 * caller cannot add series.
 */
export function mcpMetricProcedure(procedure: string): string {
  return procedure === MCP_PATH || KNOWN.has(procedure) ? procedure : `${MCP_PATH}/other`;
}
