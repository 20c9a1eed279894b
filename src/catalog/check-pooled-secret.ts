import { Code, ConnectError } from "@connectrpc/connect";
import type { ConfigSchemaJson } from "../../gen/patchbay/v1/common_pb.ts";
import { holdsSecret } from "../connectors/index.ts";

/**
 * Refuses a published connector that names an agent pool while its instance config holds a secret: other
 * tenants' calls go through their own agents, which must never see the owner's secret (the run refuses
 * them too; this says so when the connector is set up, not at every call).
 */
export function checkPooledSecret(
  published: boolean,
  pool: string | null,
  connectionConfig: ConfigSchemaJson["connectionConfig"],
  config: Readonly<Record<string, unknown>>,
): void {
  if (!published || pool === null || !holdsSecret(connectionConfig, config)) return;
  throw new ConnectError(
    "a published connector that names an agent pool cannot share a secret in its config: other tenants' calls go through their own agents",
    Code.FailedPrecondition,
  );
}
