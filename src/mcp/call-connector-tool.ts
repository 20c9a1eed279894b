import type { JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { hasScope, type Principal } from "../auth/index.ts";
import { CODE_BY_FAILURE_CLASS, safeMessage } from "../execute/index.ts";
import type { ConnectorTool } from "./connector-tools.ts";
import type { McpDeps } from "./mcp-deps.ts";
import { toolFailure } from "./tool-failure.ts";

/** How a tool call ended, for the request's log line: undefined when the command succeeded. */
export type ToolFailure = ConnectError | undefined;

/**
 * Runs a connector tool as Execute would run its command (the command runner: the same dispatch, param
 * checks, deadline, failure classes, scrubbing and execution record). A key without `execute` is refused
 * as Execute refuses it. Success answers the payload as `structuredContent` and as JSON text; a failure
 * answers `isError` with the operator-safe message and codes, never a stack, secret or upstream body.
 */
export async function callConnectorTool(
  deps: McpDeps,
  principal: Principal,
  tool: ConnectorTool,
  args: Record<string, unknown>,
  signal: AbortSignal,
): Promise<{ result: CallToolResult; failed: ToolFailure }> {
  if (!hasScope(principal.scopes, "execute")) {
    const error = new ConnectError("API key lacks scope 'execute'", Code.PermissionDenied);
    return { result: toolFailure(error), failed: error };
  }
  try {
    const outcome = await deps.commands(principal, {
      connectionId: "connectionId" in tool.target ? tool.target.connectionId : "",
      ...("connectorSlug" in tool.target ? { connectorSlug: tool.target.connectorSlug } : {}),
      command: tool.command,
      params: toJsonObject(args),
      // 0: the server's default budget, as an Execute call without `metadata.timeout_ms`.
      timeoutMs: 0,
      signal,
      protocol: "mcp",
    });
    if (!outcome.result.success) {
      const code = CODE_BY_FAILURE_CLASS[outcome.failureClass ?? "command_failed"];
      const error = new ConnectError(safeMessage(outcome.result.error), code);
      const errorCode = outcome.result.errorCode ?? "COMMAND_FAILED";
      return { result: toolFailure(error, errorCode, outcome.executionId), failed: error };
    }
    const payload = toJsonObject(outcome.result.payload ?? {});
    return {
      result: {
        content: [{ type: "text", text: JSON.stringify(payload) }],
        structuredContent: payload,
        _meta: { executionId: outcome.executionId, durationMs: outcome.durationMs },
      },
      failed: undefined,
    };
  } catch (error) {
    // The runner refuses a connection or connector that cannot run with a ConnectError (its message is
    // written for callers); anything else is an internal failure whose text stays in the log.
    const refused =
      error instanceof ConnectError
        ? error
        : new ConnectError("internal error", Code.Internal, undefined, undefined, error);
    return { result: toolFailure(refused), failed: refused };
  }
}

/** A JSON object of plain values (what arrives as tool arguments and leaves as a payload). */
export function toJsonObject(value: unknown): JsonObject {
  const parsed: unknown = JSON.parse(JSON.stringify(value ?? {}));
  return isJsonObject(parsed) ? parsed : {};
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
