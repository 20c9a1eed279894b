import type { ApiKeyStore } from "../auth/index.ts";
import type { Database } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { ReplyRelay, ToolListNotices } from "../mcp/index.ts";
import type { Metrics, MetricsHistory } from "../metrics/index.ts";
import type { LoadMonitor } from "../overload/index.ts";
import type { ConcurrencyLimits, RateLimitTiers } from "../ratelimit/index.ts";
import type { Tracing } from "../tracing/index.ts";
import type { Services } from "./build-services.ts";

/** Everything the API needs, built once by `startServer`. */
export interface AppDeps {
  logger: Logger;
  keys: ApiKeyStore;
  /** Every feature's collaborators (see `buildServices`). */
  services: Services;
  /** The database, for the rate-limit counters. */
  db: Database;
  /** Per-tier limits; undefined turns rate limiting off. */
  rateLimits: RateLimitTiers | undefined;
  /** Calls in flight per key by tier, and the load readings that decide shedding; undefined turns either off. */
  overload?: { limits: ConcurrencyLimits | undefined; monitor: LoadMonitor | undefined };
  /** True when the database answers and every migration is applied. */
  ready: () => Promise<boolean>;
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
  /** MCP's live parts: the notification streams, and the relay of clients' answers to sampling. */
  mcp: { readonly notices: ToolListNotices; readonly replies: ReplyRelay };
  /** The metrics registry; undefined when metrics are off. */
  metrics?: Metrics | undefined;
  /** The tracer; undefined when tracing is off. */
  tracing?: Tracing | undefined;
  /** The metrics' last hour, for the overview page; undefined when metrics are off. */
  metricsHistory?: MetricsHistory | undefined;
  /** True when `/metrics` is served on this port (not on a port of its own). */
  metricsOnMainPort?: boolean;
  /** False serves every unary call through Connect's generic handlers instead of the fast path. */
  unaryFastPath?: boolean;
  /** Aborted when the server begins to stop; handlers see it through their signal. */
  shutdownSignal?: AbortSignal;
}
