import type { ConnectorView } from "../catalog/index.ts";
import type { ConnectorResult } from "../connectors/index.ts";
import { executeOperation, type OperationIo } from "../connectors/openapi/index.ts";
import type { DeclaredCall } from "./prepare-declared-command.ts";

/**
 * Runs a command of an OpenAPI-derived connector (params already checked against the stored schema):
 * the request is built from the stored plan and sent through the server's outbound client (`io`). The
 * config is already the effective one (`effectiveConfig`, in runCommand): the shared config wins, and a
 * connection cannot choose where a shared secret goes.
 */
export function runOpenApi(
  io: OperationIo,
  connector: ConnectorView,
  call: DeclaredCall,
): Promise<ConnectorResult> {
  if (connector.openapi === undefined) {
    return Promise.resolve({
      success: false,
      error: "the connector has no stored OpenAPI plan; import its document again",
      errorCode: "OPENAPI_PLAN_MISSING",
    });
  }
  return executeOperation(
    connector.openapi,
    {
      command: call.command,
      params: call.params,
      config: call.config,
      timeoutMs: call.timeoutMs,
      signal: call.signal,
      addSecret: (value) => call.addSecret(value),
    },
    io,
  );
}
