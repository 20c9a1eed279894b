import type { ConnectRouter } from "@connectrpc/connect";
import { file_grpc_reflection_v1_reflection } from "../../gen/grpc/reflection/v1/reflection_pb.ts";
import { file_health_v1_health } from "../../gen/health/v1/health_pb.ts";
import { AgentService, file_patchbay_agent_v1_agent } from "../../gen/patchbay/agent/v1/agent_pb.ts";
import { file_patchbay_connector_v1_connector } from "../../gen/patchbay/connector/v1/connector_pb.ts";
import { ApiKeyService, file_patchbay_v1_api_keys } from "../../gen/patchbay/v1/api_keys_pb.ts";
import { CatalogService, file_patchbay_v1_catalog } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ConnectionService, file_patchbay_v1_connection } from "../../gen/patchbay/v1/connection_pb.ts";
import { ExecuteService, file_patchbay_v1_execute } from "../../gen/patchbay/v1/execute_pb.ts";
import { file_patchbay_v1_webhook, WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { registerAgents } from "../agents/index.ts";
import { registerApiKeys } from "../auth/index.ts";
import { registerCatalog } from "../catalog/index.ts";
import { registerConnections } from "../connections/index.ts";
import { registerExecute } from "../execute/index.ts";
import { registerHealth } from "../protocol/health.ts";
import { registerWebhooks } from "../webhooks/index.ts";
import type { Services } from "./build-services.ts";
import { registerReflection } from "./reflection.ts";

/**
 * Files served by reflection: the API, the external connector contract, and the protocol services.
 * Reflection lists only the services this server serves; the connector contract (which external
 * connectors implement, not this server) is there so its types resolve by name.
 */
export const REFLECTED_FILES = [
  file_patchbay_v1_catalog,
  file_patchbay_v1_connection,
  file_patchbay_v1_execute,
  file_patchbay_v1_webhook,
  file_patchbay_v1_api_keys,
  file_patchbay_agent_v1_agent,
  file_patchbay_connector_v1_connector,
  file_health_v1_health,
  file_grpc_reflection_v1_reflection,
];

/** The services the REST bridge routes by their `google.api.http` rules. */
export const REST_SERVICES = [
  CatalogService,
  ConnectionService,
  ExecuteService,
  WebhookService,
  ApiKeyService,
  AgentService,
];

/** Every service this server answers, in the names health checks accept. */
export const SERVED_SERVICES = REST_SERVICES.map((service) => service.typeName);

/**
 * Registers the Patchbay services, health and reflection on `router`. It only registers: every
 * collaborator was built by `buildServices`.
 */
export function routes(router: ConnectRouter, services: Services, ready: () => Promise<boolean>): void {
  registerCatalog(router, services.catalog);
  registerConnections(router, services.connections, services.tokens);
  registerExecute(router, services.execute);
  registerWebhooks(router, services.webhooks);
  registerApiKeys(router, services.apiKeys);
  registerAgents(router, services.agents);
  registerHealth(router, { services: SERVED_SERVICES, check: ready });
  registerReflection(router, REFLECTED_FILES);
}
