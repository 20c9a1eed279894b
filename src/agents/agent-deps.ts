import type { ApiKeyStore } from "../auth/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { AgentHub } from "./agent-hub.ts";

/** What the agent side of the server needs, built once by the composition root. */
export interface AgentDeps {
  readonly hub: AgentHub;
  /** Verifies an open stream's key again while the stream lasts (a revoked key ends its streams). */
  readonly keys: ApiKeyStore;
  readonly logger: Logger;
  /** How often each side sends a heartbeat (Welcome.heartbeat_interval_ms). */
  readonly heartbeatMs: number;
  /** How often an open stream's key is verified again. */
  readonly keyCheckMs: number;
  /** Largest response body taken from an agent (Welcome.max_response_body_bytes). */
  readonly maxResponseBodyBytes: number;
  /** Aborted when the server begins to stop: every stream is told to drain and ends. */
  readonly leaving: AbortSignal;
}
