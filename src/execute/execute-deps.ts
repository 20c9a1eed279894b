import type { EntityManager } from "@mikro-orm/sql";
import type { ConnectorLookup } from "../catalog/index.ts";
import type { ConnectionUser } from "../connections/index.ts";
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
  /** Timeout when neither `metadata.timeout_ms` nor the caller's deadline says otherwise. */
  defaultTimeoutMs?: number;
  now?: () => Date;
}
