import type { ConnectorView } from "../catalog/index.ts";
import type { ConnectorResult } from "../connectors/index.ts";
import { executeOperation } from "../connectors/openapi/index.ts";
import type { DeclaredCall } from "./prepare-declared-command.ts";

/**
 * Runs a command of an OpenAPI-derived connector (params already checked against the stored schema):
 * the request is built from the stored plan and sent through the outbound client.
 */
export function runOpenApi(connector: ConnectorView, call: DeclaredCall): Promise<ConnectorResult> {
  if (connector.openapi === undefined) {
    return Promise.resolve({
      success: false,
      error: "the connector has no stored OpenAPI plan; import its document again",
      errorCode: "OPENAPI_PLAN_MISSING",
    });
  }
  // Connection fields the connection left empty take their declared defaults (the document's server
  // URL, the OAuth flow's token URL).
  const config = { ...call.config };
  for (const [key, field] of Object.entries(connector.configSchema.connectionConfig)) {
    if (
      field.default !== undefined &&
      (config[key] === undefined || config[key] === null || config[key] === "")
    )
      config[key] = field.default;
  }
  return executeOperation(connector.openapi, {
    command: call.command,
    params: call.params,
    config,
    timeoutMs: call.timeoutMs,
    signal: call.signal,
  });
}
