import type { ConnectorView } from "../catalog/index.ts";
import type { ConnectorResult } from "../connectors/index.ts";
import { executeOperation, type OperationIo } from "../connectors/openapi/index.ts";
import type { DeclaredCall } from "./prepare-declared-command.ts";

/** Connection fields that decide where credentials are sent. */
const DESTINATION_FIELDS = ["baseUrl", "tokenUrl"];

const isEmpty = (value: unknown) => value === undefined || value === null || value === "";

/**
 * The settings a call runs with. The connector's shared config (set by an administrator) wins over the
 * connection's fields; when it holds a secret (an OAuth client, a shared API key), the fields that decide
 * where secrets go (`baseUrl`, `tokenUrl`) come only from it or the document, so a connection cannot send
 * a shared secret to a host of its choosing. Fields left empty take their declared defaults (the
 * document's server URL, the OAuth flow's token URL).
 */
export function effectiveConfig(
  connector: Pick<ConnectorView, "configSchema" | "instanceConfig">,
  merged: Record<string, unknown>,
): Record<string, unknown> {
  const shared = connector.instanceConfig();
  const fields = connector.configSchema.connectionConfig ?? {};
  const config = { ...merged };
  for (const [key, value] of Object.entries(shared)) if (!isEmpty(value)) config[key] = value;
  const sharesSecret = Object.entries(fields).some(([key, field]) => field.secret && !isEmpty(shared[key]));
  if (sharesSecret) for (const key of DESTINATION_FIELDS) if (isEmpty(shared[key])) delete config[key];
  for (const [key, field] of Object.entries(fields)) {
    if (field.default !== undefined && isEmpty(config[key])) config[key] = field.default;
  }
  return config;
}

/**
 * Runs a command of an OpenAPI-derived connector (params already checked against the stored schema):
 * the request is built from the stored plan and sent through the server's outbound client (`io`).
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
  const config = effectiveConfig(connector, call.config);
  return executeOperation(
    connector.openapi,
    {
      command: call.command,
      params: call.params,
      config,
      timeoutMs: call.timeoutMs,
      signal: call.signal,
      addSecret: (value) => call.addSecret(value),
    },
    io,
  );
}
