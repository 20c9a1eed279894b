import type { EntityManager } from "@mikro-orm/sql";
import type { ConnectorLookup, ConnectorView } from "../catalog/index.ts";
import type { ConnectorResult } from "../connectors/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { ConnectionMetrics } from "../metrics/index.ts";
import type { OutboundClient } from "../outbound/index.ts";
import type { PageTokens } from "../paging/index.ts";
import type { SecretBox } from "../secrets/index.ts";
import type { Tracing } from "../tracing/index.ts";

/** One run of a connector's `test` command with the credentials a caller submitted. */
export interface CredentialTestRun {
  readonly tenantId: string;
  /** The connection the credentials are for (the command's run id, as in its log lines). */
  readonly connectionId: string;
  readonly connector: ConnectorView;
  /** The submitted credentials (the command sees them merged over the connector's instance config). */
  readonly credentials: Record<string, unknown>;
  readonly timeoutMs: number;
}

/**
 * Runs `test` the way Execute runs any command (built-in, script, external or OpenAPI-derived), without
 * recording an execution; the result's strings are scrubbed of the credentials' values.
 */
export type CredentialTest = (run: CredentialTestRun) => Promise<ConnectorResult>;

/** What the connection service needs. */
export interface ConnectionDeps {
  em: () => EntityManager;
  secretBox: SecretBox;
  lookup: ConnectorLookup;
  pageTokens: PageTokens;
  /** Public base URL, for `credential_submit_url` and OAuth redirects. */
  publicUrl: string;
  logger: Logger;
  /** The server's outbound client: OAuth token requests go through its egress guard. */
  outbound: OutboundClient;
  /** Runs a connector's `test` command when credentials are submitted (Execute's dispatch). */
  testCredentials: CredentialTest;
  /** How long a connector's `test` command may take when credentials are submitted. */
  testTimeoutMs?: number;
  /** The clock, set once by the composition root (tests pass their own). */
  now: () => Date;
  /** OAuth clients from the environment, by connector slug. */
  oauthClients?: ReadonlyMap<string, { readonly clientId: string; readonly clientSecret: string }>;
  /** Refresh a token expiring within this many seconds (default 300). */
  oauthRefreshMarginSeconds?: number;
  /** Allow plain-HTTP OAuth endpoints on loopback addresses. */
  oauthAllowLoopbackHttp?: boolean;
  /**
   * The provider's HTTP client; `outbound.guard.fetch` (the egress policy) when absent. Tests count token
   * requests with it.
   */
  oauthFetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** Counts OAuth token refreshes; undefined when metrics are off. */
  metrics?: ConnectionMetrics | undefined;
  /** The tracer; undefined when tracing is off. */
  tracing?: Tracing | undefined;
}
