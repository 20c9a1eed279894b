import type { EntityManager } from "@mikro-orm/sql";
import type { Principal } from "../auth/index.ts";
import type { ConnectorLookup } from "../catalog/index.ts";
import type { ConnectionUser } from "../connections/index.ts";
import type { WebhookRegistrar } from "../connectors/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { PageTokens } from "../paging/index.ts";
import type { ExecutionRecorder } from "./execution-recorder.ts";

/** What the execute service needs. */
export interface ExecuteDeps {
  em: () => EntityManager;
  lookup: ConnectorLookup;
  useConnection: ConnectionUser;
  recorder: ExecutionRecorder;
  pageTokens: PageTokens;
  logger: Logger;
  /** Webhook endpoint management for setup commands, scoped to the caller and the connection. */
  webhookRegistrar?: (
    principal: Principal,
    connectorSlug: string,
    connectionId: string | null,
  ) => WebhookRegistrar;
  /** Timeout when neither `metadata.timeout_ms` nor the caller's deadline says otherwise. */
  defaultTimeoutMs?: number;
  now?: () => Date;
}
