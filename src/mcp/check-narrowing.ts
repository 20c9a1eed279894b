import { Code, ConnectError } from "@connectrpc/connect";
import type { Principal } from "../auth/index.ts";
import type { NodeReq } from "../protocol/node-types.ts";
import { indexConnectorTools, inNarrowing } from "./connector-tools.ts";
import type { McpDeps } from "./mcp-deps.ts";
import { namesTargets, parseToolNarrowing, type ToolNarrowing } from "./tool-narrowing.ts";

/**
 * Checks that every value of a narrowing names something the caller has: one of its subject's active
 * connections, a connector its tenant sees, a command of the narrowed connections and connectors. A
 * value that does not is INVALID_ARGUMENT naming the parameter and the value's position, the same
 * whether it names nothing or something of another subject or tenant (no way to probe for either).
 */
export async function checkNarrowing(
  deps: McpDeps,
  principal: Principal,
  narrowing: ToolNarrowing,
): Promise<void> {
  if (!namesTargets(narrowing)) return;
  const index = await indexConnectorTools(deps, principal);
  narrowing.connections.forEach((id, i) => {
    if (!index.connectionIds.has(id)) {
      throw new ConnectError(
        `connection value ${i + 1} is not one of your active connections`,
        Code.InvalidArgument,
      );
    }
  });
  for (const [i, slug] of narrowing.connectors.entries()) {
    if ((await deps.lookup(principal.tenantId, slug)) === undefined) {
      throw new ConnectError(`connector value ${i + 1} is not a connector you can see`, Code.InvalidArgument);
    }
  }
  if (narrowing.commands.length === 0) return;
  // The commands of the tools the other lists leave: a command of none of them would narrow to nothing.
  const around: ToolNarrowing = { ...narrowing, commands: [], tools: "connectors" };
  const offered = new Set(
    index.entries.filter((entry) => inNarrowing(entry, around)).map((entry) => entry.command),
  );
  narrowing.commands.forEach((command, i) => {
    if (!offered.has(command)) {
      throw new ConnectError(
        `command value ${i + 1} is not a command of any tool you are offered (within connection and connector)`,
        Code.InvalidArgument,
      );
    }
  });
}

/**
 * The narrowing of one `/mcp` request (its URL's query, or `x-patchbay-mcp-*` headers), read and
 * checked; INVALID_ARGUMENT naming the parameter when a value is malformed or names nothing of the caller's.
 */
export async function narrowingOf(deps: McpDeps, principal: Principal, req: NodeReq): Promise<ToolNarrowing> {
  const url = req.url ?? "";
  const q = url.indexOf("?");
  const narrowing = parseToolNarrowing(new URLSearchParams(q < 0 ? "" : url.slice(q + 1)), (name) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(",") : value;
  });
  await checkNarrowing(deps, principal, narrowing);
  return narrowing;
}
