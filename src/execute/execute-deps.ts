import type { EntityManager } from "@mikro-orm/sql";
import type { AgentSender } from "../agents/index.ts";
import type { Principal } from "../auth/index.ts";
import type { ConnectorLookup } from "../catalog/index.ts";
import type { ConnectionUser } from "../connections/index.ts";
import type { WebhookRegistrar } from "../connectors/index.ts";
import type { TokenCache } from "../connectors/openapi/index.ts";
import type { Sandbox } from "../connectors/script/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { ExecuteMetrics } from "../metrics/index.ts";
import type { OutboundClient } from "../outbound/index.ts";
import type { PageTokens } from "../paging/index.ts";
import type { Tracing } from "../tracing/index.ts";
import type { ExecutionRecorder } from "./execution-recorder.ts";
import type { ExternalClients } from "./external-clients.ts";

/** What the execute service needs. */
export interface ExecuteDeps {
  em: () => EntityManager;
  lookup: ConnectorLookup;
  useConnection: ConnectionUser;
  recorder: ExecutionRecorder;
  pageTokens: PageTokens;
  logger: Logger;
  /** The server's outbound client: every command's HTTP calls, external connector connections included. */
  outbound: OutboundClient;
  /** The server's external connector clients (their connections), closed when the server stops. */
  externalClients: ExternalClients;
  /** The on-premise agents: a connector naming an agent pool sends its HTTP requests through them. */
  agents: AgentSender;
  /** Counts commands run and replays; undefined when metrics are off. */
  metrics?: ExecuteMetrics | undefined;
  /** Traces each command and its outbound requests; undefined when tracing is off. */
  tracing?: Tracing | undefined;
  /** The server's script sandbox, where script connectors run. */
  sandbox: Sandbox;
  /** Client credentials tokens of OpenAPI-derived connectors, kept for the server's executions. */
  openapiTokens: TokenCache;
  /** Webhook endpoint management for setup commands, scoped to the caller and the connection. */
  webhookRegistrar?: (
    principal: Principal,
    connectorSlug: string,
    connectionId: string | null,
  ) => WebhookRegistrar;
  /** Timeout when neither `metadata.timeout_ms` nor the caller's deadline says otherwise. */
  defaultTimeoutMs?: number;
  /** The clock, set once by the composition root (tests pass their own). */
  now: () => Date;
}
