import { create, type JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type ExecuteRequest,
  type ExecuteResponse,
  ExecuteResponseSchema,
} from "../../../gen/patchbay/connector/v1/connector_pb.ts";
import type { OutboundClient } from "../../outbound/outbound-client.ts";
import type { ConnectorDefinition, ConnectorLogger } from "../define/define-connector.ts";
import { executeDefinition } from "../define/dispatcher.ts";
import { operatorText } from "./operator-text.ts";
import { PROTOCOL_VERSION } from "./protocol.ts";

// Failures the dispatcher finds before any handler runs: the request itself is wrong, so they travel as
// INVALID_ARGUMENT (HTTP 400), like any request validation error (seed 000).
const INVALID_REQUEST = new Set([
  "MISSING_REQUIRED_FIELDS",
  "INVALID_PARAMS",
  "UNKNOWN_COMMAND",
  "NO_COMMAND",
]);

/** Options for {@link runExecute}. */
export interface RunExecuteOptions {
  /** Aborted when the caller goes away; the request's `metadata.timeout` is added to it. */
  signal: AbortSignal;
  /** Connector log lines; discarded when absent. */
  logger?: ConnectorLogger | undefined;
  /** The connector process's outbound client, handed to handlers as `context.outbound`. */
  outbound: OutboundClient;
}

/** A Struct slot as plain JSON: `undefined` members dropped, so it always encodes. */
function jsonSlot(value: Record<string, unknown> | undefined): JsonObject | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(value)) as JsonObject;
  } catch {
    return { unserializable: true };
  }
}

/**
 * Runs one `ExecuteRequest` against a definition. A command failure is an `ExecuteResponse` with
 * `success: false` (error, diagnostics, variables kept); a wrong protocol version or a request the
 * command cannot accept (unknown command, missing or invalid params) throws INVALID_ARGUMENT. A handler
 * that throws an unmapped error answers a generic message; the original goes to the logger only.
 */
export async function runExecute(
  definition: ConnectorDefinition,
  request: ExecuteRequest,
  options: RunExecuteOptions,
): Promise<ExecuteResponse> {
  if (!/^2\.\d+$/.test(request.protocolVersion)) {
    throw new ConnectError(`protocol_version must be ${PROTOCOL_VERSION}`, Code.InvalidArgument);
  }
  const timeout = request.metadata?.timeout ?? 0;
  const signal =
    timeout > 0 ? AbortSignal.any([options.signal, AbortSignal.timeout(timeout)]) : options.signal;
  const result = await executeDefinition(
    definition,
    {
      config: { ...(request.params ?? {}), command: request.command },
      connectorConfig: request.config ?? {},
      variables: request.variables ?? {},
      stepId: request.metadata?.stepId ?? "",
      runId: request.metadata?.runId ?? "",
      outbound: options.outbound,
    },
    { signal, ...(options.logger ? { logger: options.logger } : {}) },
  );
  if (!result.success && result.errorCode !== undefined && INVALID_REQUEST.has(result.errorCode)) {
    throw new ConnectError(operatorText(result.error ?? "invalid request"), Code.InvalidArgument);
  }
  if (!result.success && result.errorCode === "HANDLER_THREW") {
    options.logger?.error("command threw", { command: request.command, error: result.error ?? "" });
    return create(ExecuteResponseSchema, { success: false, error: "command failed unexpectedly" });
  }
  const payload = result.success ? jsonSlot(result.payload) : undefined;
  const diagnostics = result.success ? undefined : jsonSlot(result.diagnostics);
  const variables = jsonSlot(result.variables);
  return create(ExecuteResponseSchema, {
    success: result.success,
    ...(payload ? { payload } : {}),
    ...(variables ? { variables } : {}),
    ...(diagnostics ? { diagnostics } : {}),
    ...(!result.success && result.error !== undefined ? { error: operatorText(result.error) } : {}),
  });
}
