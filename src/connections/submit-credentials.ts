import { Code, ConnectError } from "@connectrpc/connect";
import type { Principal } from "../auth/index.ts";
import { type ConnectorView, validateInstanceConfig } from "../catalog/index.ts";
import type { ConnectionDeps } from "./connection-deps.ts";
import { type ConnectionRow, credentialsContext } from "./connection-entity.ts";
import { findOwnedConnection } from "./owned-connection.ts";

/** How long a connector's `test` command may take when credentials are submitted, unless set. */
const TEST_TIMEOUT_MS = 15_000;

/**
 * SubmitCredentials: validates the fields against the connector's connection config (merged over the
 * instance config), runs the connector's `test` command when it declares one (whatever its execution
 * model), and only then seals them and activates the connection. A failed test leaves it pending with an
 * operator-safe `last_error`.
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
  const merged = { ...connector.instanceConfig(), ...credentials };
  validateInstanceConfig(connector.configSchema.connectionConfig, merged, "credentials are invalid");

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
 * The mock scenario a connector in mock mode answers `test` from: the instance's own when `test` defines
 * it, else `default`. A scenario such as `empty` shapes what commands return; without the fallback an
 * instance in it could never activate a connection.
 */
function testScenario(connector: ConnectorView): string | undefined {
  const scenario = connector.mockScenario;
  if (scenario === undefined) return undefined;
  return connector.definition?.commands.test?.mock?.[scenario] === undefined ? "default" : scenario;
}
