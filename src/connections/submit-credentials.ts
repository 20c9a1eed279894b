import { Code, ConnectError } from "@connectrpc/connect";
import type { Principal } from "../auth/index.ts";
import { validateInstanceConfig } from "../catalog/index.ts";
import { executeDefinition } from "../connectors/index.ts";
import type { ConnectionDeps } from "./connection-deps.ts";
import { type ConnectionRow, credentialsContext } from "./connection-entity.ts";
import { createConnectorLogger } from "./connector-logger.ts";
import { findOwnedConnection } from "./owned-connection.ts";

/**
 * SubmitCredentials: validates the fields against the connector's connection config (merged over the
 * instance config), runs the connector's `test` command when it has one, and only then seals them and
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
  const merged = { ...connector.instanceConfig(), ...credentials };
  validateInstanceConfig(connector.configSchema.connectionConfig, merged, "credentials are invalid");

  const test = connector.definition?.commands.test;
  if (connector.definition !== undefined && test !== undefined) {
    const result = await executeDefinition(
      connector.definition,
      {
        config: { command: "test" },
        connectorConfig: merged,
        variables: {},
        stepId: "credential-test",
        runId: row.id,
        outbound: deps.outbound,
      },
      {
        signal: AbortSignal.timeout(deps.testTimeoutMs ?? 15_000),
        logger: createConnectorLogger(deps.logger, connector.slug),
        ...(connector.mockScenario ? { mockScenario: connector.mockScenario } : {}),
      },
    );
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
