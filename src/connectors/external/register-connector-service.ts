import type { ConnectRouter } from "@connectrpc/connect";
import { ConnectorService } from "../../../gen/patchbay/connector/v1/connector_pb.ts";
import type { OutboundClient } from "../../outbound/outbound-client.ts";
import { registerHealth } from "../../protocol/health.ts";
import type { ConnectorDefinition, ConnectorLogger } from "../define/define-connector.ts";
import { describeConnector } from "./describe-connector.ts";
import { runExecute } from "./run-execute.ts";

/** Options of {@link registerConnectorService}. */
export interface ConnectorServiceOptions {
  /** The outbound client handlers call out through (`context.outbound`). */
  outbound: OutboundClient;
  /** Connector log lines; discarded when absent. */
  logger?: ConnectorLogger | undefined;
}

/**
 * Registers `patchbay.connector.v1.ConnectorService` for one definition (Execute runs its commands,
 * Describe answers its schema) and `grpc.health.v1.Health`, always SERVING while the process runs.
 */
export function registerConnectorService(
  router: ConnectRouter,
  definition: ConnectorDefinition,
  options: ConnectorServiceOptions,
): void {
  const description = describeConnector(definition);
  const { outbound, logger } = options;
  router.service(ConnectorService, {
    execute: (request, context) =>
      runExecute(definition, request, { signal: context.signal, logger, outbound }),
    describe: () => description,
  });
  registerHealth(router, { services: [ConnectorService.typeName], check: async () => true });
}
