import { create, type JsonObject, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import {
  type ExecuteRequest,
  ExecuteRequestSchema,
  ExecuteService,
  ExecutionFailureSchema,
} from "../../gen/patchbay/v1/execute_pb.ts";
import { hasScope, type Principal } from "../auth/index.ts";
import { CODE_BY_FAILURE_CLASS, safeMessage } from "../execute/index.ts";
import { type CallOptions, callOptionsOf } from "./call-options.ts";
import { callRpc, type RpcCaller } from "./call-rpc.ts";
import type { ConnectorTool } from "./connector-tools.ts";
import type { McpDeps } from "./mcp-deps.ts";
import { toolFailure } from "./tool-failure.ts";

/** How a tool call ended, for the request's log line: undefined when the command succeeded. */
export type ToolFailure = ConnectError | undefined;

/**
 * Runs a connector tool as Execute would run its command (the command runner: the same dispatch, param
 * checks, deadline, failure classes, scrubbing and execution record), with the time budget and
 * idempotency key the request's `_meta` carries (`callOptionsOf`: absent is the server default, a bad
 * value is INVALID_ARGUMENT naming its key). Either way the call is one Execute request, held to the
 * input rules Execute's edge holds every protocol to before anything runs, so a refusal names the field
 * as Execute names it (`params["a"] must not contain U+0000 (NUL)`). With an idempotency key it runs
 * through Execute itself, in process with the caller's key, so the key is claimed, replayed and refused
 * exactly as Execute does it. A key without `execute` is refused as Execute refuses it. Success answers
 * the payload as `structuredContent` and as JSON text; a failure answers `isError` with the
 * operator-safe message and codes, never a stack, secret or upstream body.
 */
export async function callConnectorTool(
  deps: McpDeps,
  caller: RpcCaller & { readonly principal: Principal },
  tool: ConnectorTool,
  args: JsonObject,
  meta: Record<string, unknown> | undefined,
  signal: AbortSignal,
): Promise<{ result: CallToolResult; failed: ToolFailure }> {
  const { principal } = caller;
  if (!hasScope(principal.scopes, "execute")) {
    const error = new ConnectError("API key lacks scope 'execute'", Code.PermissionDenied);
    return { result: toolFailure(error), failed: error };
  }
  let options: CallOptions;
  try {
    options = callOptionsOf(meta);
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    return { result: toolFailure(error), failed: error };
  }
  const request = create(ExecuteRequestSchema, {
    target:
      "connectionId" in tool.target
        ? { case: "connectionId", value: tool.target.connectionId }
        : { case: "connectorSlug", value: tool.target.connectorSlug },
    command: tool.command,
    params: args,
    metadata: { timeoutMs: options.timeoutMs, idempotencyKey: options.idempotencyKey },
  });
  // A keyed call goes through Execute in process, whose input rule checks it there.
  if (options.idempotencyKey !== "") return callExecute(deps, caller, request, signal);
  const refused = deps.input.check(ExecuteRequestSchema, request);
  if (refused !== undefined) return { result: toolFailure(refused), failed: refused };
  try {
    const outcome = await deps.commands(principal, {
      connectionId: "connectionId" in tool.target ? tool.target.connectionId : "",
      ...("connectorSlug" in tool.target ? { connectorSlug: tool.target.connectorSlug } : {}),
      command: tool.command,
      params: args,
      timeoutMs: options.timeoutMs,
      signal,
      protocol: "mcp",
    });
    if (!outcome.result.success) {
      const code = CODE_BY_FAILURE_CLASS[outcome.failureClass ?? "command_failed"];
      const error = new ConnectError(safeMessage(outcome.result.error), code);
      const errorCode = outcome.result.errorCode ?? "COMMAND_FAILED";
      return { result: toolFailure(error, errorCode, outcome.executionId), failed: error };
    }
    return {
      result: succeeded(outcome.result.payload, outcome.executionId, outcome.durationMs),
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

/**
 * The call with an idempotency key: Execute's own handler (in process, the caller's key, the record's
 * protocol `mcp`), whose answer or failure, first or replayed, becomes the tool's result.
 */
async function callExecute(
  deps: McpDeps,
  caller: RpcCaller,
  request: ExecuteRequest,
  signal: AbortSignal,
): Promise<{ result: CallToolResult; failed: ToolFailure }> {
  try {
    const answer = await callRpc(
      deps.api,
      caller,
      ExecuteService.method.execute,
      toJson(ExecuteRequestSchema, request),
      signal,
    );
    const executionId = typeof answer.executionId === "string" ? answer.executionId : "";
    const durationMs = typeof answer.durationMs === "number" ? answer.durationMs : 0;
    return { result: succeeded(answer.payload, executionId, durationMs), failed: undefined };
  } catch (thrown) {
    // The in-process router's error edge has already turned anything unexpected into a generic INTERNAL.
    const error = thrown instanceof ConnectError ? thrown : new ConnectError("internal error", Code.Internal);
    const detail = error.findDetails(ExecutionFailureSchema)[0];
    return {
      result: toolFailure(error, detail?.errorCode || undefined, detail?.executionId),
      failed: error,
    };
  }
}

/** A command's success as MCP's tool result. */
function succeeded(payload: unknown, executionId: string, durationMs: number): CallToolResult {
  const structured = toJsonObject(payload ?? {});
  return {
    content: [{ type: "text", text: JSON.stringify(structured) }],
    structuredContent: structured,
    _meta: { executionId, durationMs },
  };
}

/** A JSON object of plain values (what arrives as tool arguments and leaves as a payload). */
export function toJsonObject(value: unknown): JsonObject {
  const parsed: unknown = JSON.parse(JSON.stringify(value ?? {}));
  return isJsonObject(parsed) ? parsed : {};
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
