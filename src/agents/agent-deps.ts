import type { ApiKeyStore } from "../auth/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { AgentHub } from "./agent-hub.ts";
import type { AgentPresence } from "./agent-presence.ts";
import type { AgentRelay } from "./agent-relay.ts";
import type { AgentSender } from "./agent-router.ts";

/** What the agent side of the server needs, built once by the composition root. */
export interface AgentDeps {
  /** The agents connected to this replica. */
  readonly hub: AgentHub;
  /** The agents connected to every replica (started by the composition root). */
  readonly presence: AgentPresence;
  /** Requests between replicas (started by the composition root). */
  readonly relay: AgentRelay;
  /** Sends through an agent of a pool on any replica: what connectors' requests use. */
  readonly sender: AgentSender;
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
