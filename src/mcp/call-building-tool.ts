import type { JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { accessRuleFor, hasScope, type Principal } from "../auth/index.ts";
import { codeName } from "../protocol/errors.ts";
import type { BuildingTool } from "./building-tools.ts";
import type { ToolFailure } from "./call-connector-tool.ts";
import { callGenerateTool } from "./call-generate-tool.ts";
import { callRpc, type RpcCaller } from "./call-rpc.ts";
import type { McpDeps } from "./mcp-deps.ts";
import type { AskModel } from "./sample-script.ts";
import { toolFailure } from "./tool-failure.ts";
import type { ToolNarrowing } from "./tool-narrowing.ts";

/** The caller of one MCP request: its principal, and the key and request id its RPCs are made with. */
export interface McpCaller extends RpcCaller {
  readonly principal: Principal;
  /** The tools the request asked to see (its URL's query or headers); every tool when absent. */
  readonly narrowing?: ToolNarrowing;
}

/** Whether the caller's key holds the scope a building tool's procedure needs. */
export function mayUse(principal: Principal, tool: BuildingTool): boolean {
  const rule = accessRuleFor(tool.access);
  return rule.public || hasScope(principal.scopes, rule.scope);
}

/**
 * Runs a building tool. A key without the procedure's scope is refused here with the RPC's own words
 * (the procedure's interceptor would refuse it the same way); otherwise the procedure runs in process
 * with the caller's key and its answer is the tool's `structuredContent`, with the same JSON as text.
 * `generate_connector_script` asks the client's model through `ask` when the request can carry it.
 * A refusal or failure is `isError` with the RPC's code and operator-safe message (and, for a command,
 * its error code and execution id); `test_connector` reports a failed test as its outcome instead.
 */
export async function callBuildingTool(
  deps: McpDeps,
  caller: McpCaller,
  tool: BuildingTool,
  args: JsonObject,
  signal: AbortSignal,
  ask: AskModel | undefined,
): Promise<{ result: CallToolResult; failed: ToolFailure }> {
  const rule = accessRuleFor(tool.access);
  if (!rule.public && !hasScope(caller.principal.scopes, rule.scope)) {
    const error = new ConnectError(`API key lacks scope '${rule.scope}'`, Code.PermissionDenied);
    return { result: toolFailure(error), failed: error };
  }
  const { run } = tool;
  if (run.kind === "generate")
    return callGenerateTool(caller.principal.tenantId, args, ask, deps.checkScript);
  try {
    const answer = await callRpc(deps.api, caller, run.method, run.request(args), signal);
    return {
      result: answered(run.reportsTest === true ? { passed: true, ...answer } : answer),
      failed: undefined,
    };
  } catch (thrown) {
    // The in-process router's error edge has already turned anything unexpected into a generic INTERNAL.
    const error = thrown instanceof ConnectError ? thrown : new ConnectError("internal error", Code.Internal);
    const detail = error.findDetails(ExecutionFailureSchema)[0];
    if (run.reportsTest === true && detail !== undefined) {
      // The test ran and failed: that is the outcome the tool reports, not a failure of the tool.
      return {
        result: answered({
          passed: false,
          code: codeName(error.code),
          errorCode: detail.errorCode,
          message: error.rawMessage,
          executionId: detail.executionId,
        }),
        failed: undefined,
      };
    }
    return {
      result: toolFailure(error, detail?.errorCode || undefined, detail?.executionId),
      failed: error,
    };
  }
}

function answered(structured: JsonObject): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(structured) }], structuredContent: structured };
}
