export { type ConnectorTool, listConnectorTools } from "./connector-tools.ts";
export type { McpDeps } from "./mcp-deps.ts";
export { mcpMetricProcedure } from "./mcp-metric-procedure.ts";
export { createMcpHandler, MCP_PATH, type McpHandler, type McpOutcome } from "./mcp-route.ts";
export { PROTECTED_RESOURCE_PATH, serveProtectedResource } from "./protected-resource.ts";
export { createReplyRelay, type ReplyRelay } from "./reply-relay.ts";
export { createToolListNotices, type ToolListNotices } from "./tool-list-notices.ts";
export { TOOL_NAME, toolNames } from "./tool-name.ts";
