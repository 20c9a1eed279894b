import type { ConnectRouter } from "@connectrpc/connect";
import { ConnectorService } from "../../../gen/patchbay/connector/v1/connector_pb.ts";
import { registerHealth } from "../../server/health.ts";
import type { ConnectorDefinition, ConnectorLogger } from "../define/define-connector.ts";
import { describeConnector } from "./describe-connector.ts";
import { runExecute } from "./run-execute.ts";

/**
 * Registers `patchbay.connector.v1.ConnectorService` for one definition (Execute runs its commands,
 * Describe answers its schema) and `grpc.health.v1.Health`, always SERVING while the process runs.
 */
export function registerConnectorService(
  router: ConnectRouter,
  definition: ConnectorDefinition,
  logger?: ConnectorLogger,
): void {
  const description = describeConnector(definition);
  router.service(ConnectorService, {
    execute: (request, context) => runExecute(definition, request, { signal: context.signal, logger }),
    describe: () => description,
  });
  registerHealth(router, { services: [ConnectorService.typeName], check: async () => true });
}
