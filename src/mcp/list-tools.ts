import type { ListToolsResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { hasScope, type Principal } from "../auth/index.ts";
import { BUILDING_TOOLS } from "./building-tools.ts";
import { mayUse } from "./call-building-tool.ts";
import { type ConnectorTool, connectorToolOf, indexConnectorTools, inNarrowing } from "./connector-tools.ts";
import { listPage } from "./list-page.ts";
import type { McpDeps } from "./mcp-deps.ts";
import type { ToolNarrowing } from "./tool-narrowing.ts";

/** One tool of the list, by name; its schemas are made only when its page is answered. */
interface Listed {
  readonly name: string;
  readonly tool: () => Tool;
}

/** A connector tool as `tools/list` shows it. */
function listedConnectorTool(tool: ConnectorTool): Tool {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema !== undefined ? { outputSchema: tool.outputSchema } : {}),
    annotations: tool.annotations,
  };
}

/**
 * One page of `tools/list`: the building tools the key's scopes allow, then its connector tools (which
 * need `execute`), each group kept or left out by the narrowing, connector tools narrowed by connection,
 * connector and command. The order is stable (see `indexConnectorTools`), so a cursor goes on where the
 * previous page ended.
 */
export async function listTools(
  deps: McpDeps,
  principal: Principal,
  narrowing: ToolNarrowing,
  cursor: string | undefined,
): Promise<ListToolsResult> {
  const listed: Listed[] = [];
  if (narrowing.tools !== "connectors") {
    for (const tool of BUILDING_TOOLS.filter((t) => mayUse(principal, t))) {
      listed.push({
        name: tool.name,
        tool: () => ({
          name: tool.name,
          description: tool.description,
          inputSchema: tool.inputSchema,
          annotations: tool.annotations,
        }),
      });
    }
  }
  // Connector tools run commands, which needs `execute`: a key without it is offered none.
  if (narrowing.tools !== "building" && hasScope(principal.scopes, "execute")) {
    const { entries } = await indexConnectorTools(deps, principal);
    for (const entry of entries) {
      if (inNarrowing(entry, narrowing)) {
        listed.push({ name: entry.name, tool: () => listedConnectorTool(connectorToolOf(entry)) });
      }
    }
  }
  const page = listPage(
    listed.map((t) => t.name),
    cursor,
    deps.pageTokens,
    "mcp.tools",
    narrowing,
  );
  const tools = listed.slice(page.start, page.end).map((t) => t.tool());
  return page.nextCursor === undefined ? { tools } : { tools, nextCursor: page.nextCursor };
}
