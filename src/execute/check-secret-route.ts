import { Code, ConnectError } from "@connectrpc/connect";
import type { ConnectorView } from "../catalog/index.ts";
import { holdsSecret } from "../connectors/index.ts";

/**
 * Refuses, with FAILED_PRECONDITION, a call whose requests would carry the connector owner's shared secret
 * through the calling tenant's agents: a connector naming an agent pool sends through the caller's pool, so
 * a published (or shared) connector with a secret in its instance config would hand that secret to agents
 * another tenant runs. A shared secret goes only where its owner sent it (docs/security.md).
 */
export function checkSecretRoute(
  connector: Pick<ConnectorView, "tenantId" | "agentPool" | "configSchema">,
  shared: Readonly<Record<string, unknown>>,
  tenantId: string,
): void {
  if (!connector.agentPool || connector.tenantId === tenantId) return;
  if (!holdsSecret(connector.configSchema.connectionConfig, shared)) return;
  throw new ConnectError(
    "this connector shares a secret in its configuration and names an agent pool: it cannot run through another tenant's agents",
    Code.FailedPrecondition,
  );
}
