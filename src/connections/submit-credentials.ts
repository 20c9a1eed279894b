import { Code, ConnectError } from "@connectrpc/connect";
import type { Principal } from "../auth/index.ts";
import { type ConnectorView, validateInstanceConfig } from "../catalog/index.ts";
import { effectiveConfig, isMissing, lockedFields } from "../connectors/index.ts";
import type { ConnectionDeps } from "./connection-deps.ts";
import { type ConnectionRow, credentialsContext } from "./connection-entity.ts";
import { findOwnedConnection } from "./owned-connection.ts";

/** How long a connector's `test` command may take when credentials are submitted, unless set. */
const TEST_TIMEOUT_MS = 15_000;

/**
 * SubmitCredentials: refuses fields the connection may not set (`lockedFields`: those the instance
 * config sets, and where requests go when it holds a shared secret), validates the rest against the
 * connector's connection config as the command will see it (`effectiveConfig`), runs the connector's
 * `test` command when it declares one (whatever its execution model), and only then seals them and
 * activates the connection. A failed test leaves it pending with an operator-safe `last_error`.
 */
export async function submitCredentials(
  deps: ConnectionDeps,
  principal: Principal,
  id: string,
  credentials: Record<string, unknown>,
): Promise<ConnectionRow> {
  const em = deps.em();
  const row = await findOwnedConnection(em, principal, id);
  if (row.authType !== "api_key") {
    throw new ConnectError(
      "this connection uses OAuth; credentials are submitted for api_key connectors",
      Code.FailedPrecondition,
    );
  }
  const connector = await deps.lookup(row.tenantId, row.connectorSlug);
  if (connector === undefined)
    throw new ConnectError("the connector of this connection was deleted", Code.FailedPrecondition);
  const fields = connector.configSchema.connectionConfig;
  const shared = connector.instanceConfig();
  refuseLockedFields(fields, shared, credentials);
  const config = effectiveConfig(fields, shared, credentials);
  validateInstanceConfig(fields, config, "credentials are invalid");

  // The stored schema declares every model's commands (a built-in's is derived from its definition).
  if (connector.configSchema.commands?.test !== undefined) {
    const result = await deps.testCredentials({
      tenantId: row.tenantId,
      connectionId: row.id,
      connector: { ...connector, mockScenario: testScenario(connector) },
      credentials,
      timeoutMs: deps.testTimeoutMs ?? TEST_TIMEOUT_MS,
    });
    if (!result.success) {
      row.lastError = `credential test failed: ${(result.error ?? "no reason given").slice(0, 200)}`;
      row.updatedAt = deps.now();
      await em.flush();
      throw new ConnectError(row.lastError, Code.FailedPrecondition);
    }
  }
  row.sealedCredentials = deps.secretBox.seal(JSON.stringify(credentials), credentialsContext(row.id));
  row.status = "active";
  row.lastError = null;
  row.updatedAt = deps.now();
  await em.flush();
  return row;
}

/**
 * INVALID_ARGUMENT naming each field the caller sent that the connection may not set, rather than a
 * value silently ignored at run time. Refused whatever the value: answering differently when it equals
 * the shared one would let a caller guess a shared secret. An empty value is no value, as elsewhere.
 */
function refuseLockedFields(
  fields: ConnectorView["configSchema"]["connectionConfig"],
  shared: Record<string, unknown>,
  credentials: Record<string, unknown>,
): void {
  const locked = lockedFields(fields, shared);
  const problems = Object.entries(credentials).flatMap(([key, value]) => {
    const why = isMissing(value) ? undefined : locked.get(key);
    return why === undefined ? [] : [why];
  });
  if (problems.length > 0) {
    throw new ConnectError(`credentials are invalid: ${problems.join("; ")}`, Code.InvalidArgument);
  }
}

/**
 * The mock scenario a connector in mock mode answers `test` from: the instance's own when `test` defines
 * it, else `default`. A scenario such as `empty` shapes what commands return; without the fallback an
 * instance in it could never activate a connection.
 */
function testScenario(connector: ConnectorView): string | undefined {
  const scenario = connector.mockScenario;
  if (scenario === undefined) return undefined;
  return connector.definition?.commands.test?.mock?.[scenario] === undefined ? "default" : scenario;
}
