import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { z } from "zod";
import { ConfigError, type Env, httpUrl, integer, read } from "./config-values.ts";
// The parser file, not the feature index: reading the settings must not load the HTTP client.
import { parseEgressAllowEntry } from "./outbound/egress-allow-entry.ts";
// The parser files, not the feature indexes: reading the settings must not load the limiters (the
// composition root and the entry points may reach into a feature; nothing else does).
import {
  ConcurrencyLimitSpecError,
  type ConcurrencyLimits,
  DEFAULT_CONCURRENCY_LIMITS,
  parseConcurrencyLimits,
} from "./ratelimit/parse-concurrency-limits.ts";
import {
  DEFAULT_RATE_LIMITS,
  parseRateLimits,
  RateLimitSpecError,
  type RateLimitTiers,
} from "./ratelimit/parse-rate-limits.ts";
// The reader file, not the feature index: reading the settings must not load the tracing SDK.
import { readTracing } from "./tracing/read-tracing-settings.ts";
import type { TracingSettings } from "./tracing/tracing-settings.ts";

export { ConfigError } from "./config-values.ts";

/** Log levels accepted by `LOG_LEVEL`. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** Every Patchbay setting, read from the environment once and validated. */
export interface Config {
  /** TCP port for every protocol (gRPC, gRPC-Web, Connect, REST). 0 picks a free port. */
  readonly port: number;
  /** Interface to bind. */
  readonly host: string;
  /**
   * Prometheus metrics: off, or served at `/metrics` on the one port (`port` undefined) or on a port of
   * their own (plain HTTP on `host`).
   */
  /** Trace export (the standard OTEL_* variables); undefined: tracing is off. */
  readonly tracing: TracingSettings | undefined;
  readonly metrics: {
    readonly enabled: boolean;
    readonly port: number | undefined;
    /** `public`: tenants' own connectors are labelled `tenant`; `all`: by slug. */
    readonly connectorLabels: "public" | "all";
    /** Distinct connector labels kept before the `other` bucket. */
    readonly maxConnectors: number;
    /** Interval (ms) at which the overview page's history samples the metrics. */
    readonly sampleMs: number;
  };
  /** PEM certificate and key paths; when set, the port speaks TLS with ALPN (h2, http/1.1). */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** PostgreSQL URL; undefined selects the embedded PostgreSQL server in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** Folder for the embedded database and the generated master key file. */
  readonly dataDir: string;
  /** Master keys (base64, 32 bytes each); the first seals, all open. Empty: use or create the key file. */
  readonly masterKeys: readonly string[];
  /** An admin API key to store (hashed) on first start instead of generating and printing one. */
  readonly adminKey: string | undefined;
  /** Public base URL of this service, used for OAuth redirects and webhook URLs. */
  readonly publicUrl: string;
  /** Minimum log level. */
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** `pretty` for people, `json` for machines; defaults to pretty on a terminal. */
  readonly logFormat: "json" | "pretty";
  /** How long a graceful stop may take before open connections are cut. */
  readonly shutdownTimeoutMs: number;
  /**
   * How long a stopping process stays not-ready but still serving (new connections and calls) before it
   * refuses new connections: the time load balancers need to see /readyz fail and route elsewhere.
   */
  readonly drainDelayMs: number;
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /**
   * Largest OpenAPI description accepted, in bytes: the request body limit of the RPCs that carry one
   * (ParseOpenApi, CreateConnector, UpdateConnector) and the cap of a description fetched from a URL.
   */
  readonly maxOpenApiBytes: number;
  /** Most PostgreSQL connections one process holds. */
  readonly dbPoolMax: number;
  /** Per-API-key rate limit tiers (tier name → windows); undefined when `PATCHBAY_RATE_LIMITS=off`. */
  readonly rateLimits: RateLimitTiers | undefined;
  /** Calls one API key may have in flight per process, by tier; undefined when `PATCHBAY_CONCURRENCY_LIMITS=off`. */
  readonly concurrencyLimits: ConcurrencyLimits | undefined;
  /** Longest a statement on the main PostgreSQL pool may run, in milliseconds (`statement_timeout`). */
  readonly dbStatementTimeoutMs: number;
  /** Event-loop delay (p99 over half a second) from which the busiest keys' calls are shed; 0: never. */
  readonly shedEventLoopDelayMs: number;
  /** Statements waiting for a pooled database connection from which the busiest keys' calls are shed; 0: never. */
  readonly shedDbWaiting: number;
  /**
   * OAuth clients from the environment, by connector slug: `PATCHBAY_OAUTH_<SLUG>_CLIENT_ID` and
   * `…_CLIENT_SECRET` (slug upper-cased, dashes as underscores). An instance's own config wins.
   */
  readonly oauthClients: ReadonlyMap<string, { readonly clientId: string; readonly clientSecret: string }>;
  /** Refresh an OAuth access token when it expires within this many seconds. */
  readonly oauthRefreshMarginSeconds: number;
  /**
   * Allow plain-HTTP OAuth endpoints on loopback addresses (local development and tests). Never needed,
   * and never honoured, for any other host.
   */
  readonly oauthAllowLoopbackHttp: boolean;
  /**
   * Unary calls over gRPC, gRPC-Web and Connect are served by the fast path (`PATCHBAY_UNARY_FAST_PATH=on`,
   * the default) or all by Connect's generic handlers (`off`).
   */
  readonly unaryFastPath: boolean;
  /**
   * CIDRs, IP addresses and exact host names outbound requests may reach although the egress policy
   * refuses them (loopback, private, link-local, metadata…): on-premise APIs and tests. Empty by default.
   */
  readonly egressAllow: readonly string[];
  /** Days execution records are kept before the hourly sweep deletes them (at least 1: idempotency). */
  readonly executionRetentionDays: number;
  /** Sandbox processes running script connectors (default: the cores, at least 1, at most 4). */
  readonly scriptProcesses: number;
  /** Script executions that may wait for a free sandbox isolate; more are refused (SCRIPT_QUEUE_FULL). */
  readonly scriptQueueMax: number;
  /** Google's signing keys for Pub/Sub push (Gmail) tokens; fetched through the outbound client. */
  readonly googleJwksUrl: string;
  /** Seconds between looks for expired job leases (a crashed worker's job is picked up again). */
  readonly jobSuperviseSeconds: number;
  /** Under concurrent load, how long a webhook batch waits to fill before its commit (ms; 0: never). */
  readonly webhookCommitWaitMs: number;
  /**
   * Development only: webhook setup commands may register callback URLs providers cannot reach
   * (localhost, private addresses, plain http), e.g. behind a tunnel or against a fake provider.
   */
  readonly webhookAllowInsecureCallbacks: boolean;
}

const postgresUrl = z
  .string()
  .refine(
    (v) => URL.canParse(v) && /^postgres(ql)?:$/.test(new URL(v).protocol),
    "must be a postgres:// or postgresql:// URL",
  );

const masterKeyList = z
  .string()
  .transform((v) =>
    v
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean),
  )
  .refine((keys) => keys.length > 0, "must list at least one key")
  .refine(
    (keys) => keys.every((k) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(k) && Buffer.from(k, "base64").length === 32),
    "must be comma-separated base64 keys of 32 bytes each (make one with: openssl rand -base64 32)",
  );

const apiKey = z
  .string()
  .regex(/^[\x21-\x7e]{24,256}$/, "must be 24 to 256 printable characters without spaces");

// Wrapped, because `off` parses to undefined and `read` answers undefined for an unset variable.
const rateLimitSpec = z.string().transform((v, ctx) => {
  try {
    return { tiers: parseRateLimits(v) };
  } catch (error) {
    if (!(error instanceof RateLimitSpecError)) throw error;
    ctx.issues.push({ code: "custom", message: error.message, input: v });
    return z.NEVER;
  }
});

// Wrapped like the rate limits: `off` parses to undefined.
const concurrencyLimitSpec = z.string().transform((v, ctx) => {
  try {
    return { limits: parseConcurrencyLimits(v) };
  } catch (error) {
    if (!(error instanceof ConcurrencyLimitSpecError)) throw error;
    ctx.issues.push({ code: "custom", message: error.message, input: v });
    return z.NEVER;
  }
});

const egressAllowList = z
  .string()
  .transform((v) =>
    v
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean),
  )
  .refine(
    (entries) => entries.every((entry) => parseEgressAllowEntry(entry) !== undefined),
    "must be comma-separated CIDRs (10.0.0.0/8, fd00::/8), IP addresses or host names",
  );

/** Variables whose values must never be echoed back in an error. */
/**
 * Reads and validates every setting. Throws `ConfigError` with a one-line message on the first bad
 * value; nothing else in Patchbay reads `process.env`.
 */
export function loadConfig(env: Env = process.env, isTerminal = Boolean(process.stdout.isTTY)): Config {
  const port = read(env, "PATCHBAY_PORT", integer(0, 65535)) ?? 8080;
  const host = read(
    env,
    "PATCHBAY_HOST",
    z.string().regex(/^[\w.:[\]-]+$/, "must be a host name or IP address"),
  );
  const certFile = read(env, "PATCHBAY_TLS_CERT", z.string());
  const keyFile = read(env, "PATCHBAY_TLS_KEY", z.string());
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError("PATCHBAY_TLS_CERT and PATCHBAY_TLS_KEY must be set together (PEM file paths)");
  }
  const databaseUrl = read(env, "DATABASE_URL", postgresUrl);
  const masterKeys = read(env, "PATCHBAY_MASTER_KEY", masterKeyList) ?? [];
  if (databaseUrl !== undefined && masterKeys.length === 0) {
    throw new ConfigError(
      "PATCHBAY_MASTER_KEY must be set when DATABASE_URL is set (make one with: openssl rand -base64 32)",
    );
  }
  const dbPoolMax = read(env, "PATCHBAY_DB_POOL_MAX", integer(1, 1000)) ?? 10;
  const logFormat =
    read(env, "LOG_FORMAT", z.enum(["json", "pretty"], { error: "must be json or pretty" })) ??
    (isTerminal ? "pretty" : "json");
  const metricsPort = read(env, "PATCHBAY_METRICS_PORT", integer(0, 65535));
  if (metricsPort !== undefined && metricsPort === port && port !== 0) {
    throw new ConfigError(
      "PATCHBAY_METRICS_PORT must differ from PATCHBAY_PORT (unset it to use the one port)",
    );
  }
  return {
    port,
    host: host ?? "0.0.0.0",
    tracing: readTracing(env),
    metrics: {
      enabled: read(env, "PATCHBAY_METRICS", z.enum(["on", "off"], { error: "must be on or off" })) !== "off",
      port: metricsPort,
      connectorLabels:
        read(
          env,
          "PATCHBAY_METRICS_CONNECTOR_LABELS",
          z.enum(["public", "all"], { error: "must be public or all" }),
        ) ?? "public",
      maxConnectors: read(env, "PATCHBAY_METRICS_MAX_CONNECTORS", integer(1, 100_000)) ?? 200,
      sampleMs: read(env, "PATCHBAY_METRICS_SAMPLE_MS", integer(1000, 300_000)) ?? 15_000,
    },
    tls: certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined,
    databaseUrl,
    dataDir: resolve(read(env, "PATCHBAY_DATA_DIR", z.string()) ?? ".patchbay"),
    masterKeys,
    adminKey: read(env, "PATCHBAY_ADMIN_KEY", apiKey),
    publicUrl: read(env, "PATCHBAY_PUBLIC_URL", httpUrl) ?? `http://localhost:${port}`,
    logLevel:
      read(env, "LOG_LEVEL", z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })) ??
      "info",
    logFormat,
    shutdownTimeoutMs: read(env, "PATCHBAY_SHUTDOWN_TIMEOUT_MS", integer(100, 600_000)) ?? 10_000,
    // With a database server Patchbay runs as replicas behind a load balancer; the embedded database is
    // one process with nothing to route around it, where a stop should not wait.
    drainDelayMs:
      read(env, "PATCHBAY_DRAIN_DELAY_MS", integer(0, 600_000)) ?? (databaseUrl === undefined ? 0 : 5_000),
    maxBodyBytes: read(env, "PATCHBAY_MAX_BODY_BYTES", integer(1024, 1 << 30)) ?? 4 * 1024 * 1024,
    // Published descriptions reach several MiB (GitHub's is 5.7 MB). The ceiling is the import's own
    // (MAX_DOCUMENT_BYTES, not imported: reading the settings must not load the connectors).
    maxOpenApiBytes:
      read(env, "PATCHBAY_MAX_OPENAPI_BYTES", integer(1024, 64 * 1024 * 1024)) ?? 32 * 1024 * 1024,
    dbPoolMax,
    rateLimits: (
      read(env, "PATCHBAY_RATE_LIMITS", rateLimitSpec) ?? { tiers: parseRateLimits(DEFAULT_RATE_LIMITS) }
    ).tiers,
    concurrencyLimits: (
      read(env, "PATCHBAY_CONCURRENCY_LIMITS", concurrencyLimitSpec) ?? {
        limits: parseConcurrencyLimits(DEFAULT_CONCURRENCY_LIMITS),
      }
    ).limits,
    dbStatementTimeoutMs: read(env, "PATCHBAY_DB_STATEMENT_TIMEOUT_MS", integer(100, 3_600_000)) ?? 30_000,
    shedEventLoopDelayMs: read(env, "PATCHBAY_SHED_EVENT_LOOP_DELAY_MS", integer(0, 60_000)) ?? 100,
    // By default a queue as long as the pool: every connection busy and as many statements waiting.
    shedDbWaiting: read(env, "PATCHBAY_SHED_DB_WAITING", integer(0, 100_000)) ?? dbPoolMax,
    oauthClients: readOAuthClients(env),
    oauthRefreshMarginSeconds: read(env, "PATCHBAY_OAUTH_REFRESH_MARGIN_S", integer(0, 86_400)) ?? 300,
    unaryFastPath:
      read(env, "PATCHBAY_UNARY_FAST_PATH", z.enum(["on", "off"], { error: "must be on or off" })) !== "off",
    oauthAllowLoopbackHttp:
      read(
        env,
        "PATCHBAY_OAUTH_ALLOW_LOOPBACK_HTTP",
        z.enum(["true", "false"], { error: "must be true or false" }),
      ) === "true",
    egressAllow: read(env, "PATCHBAY_EGRESS_ALLOW", egressAllowList) ?? [],
    executionRetentionDays: read(env, "PATCHBAY_EXECUTION_RETENTION_DAYS", integer(1, 3650)) ?? 30,
    scriptProcesses:
      read(env, "PATCHBAY_SCRIPT_PROCESSES", integer(1, 64)) ??
      Math.min(4, Math.max(1, availableParallelism())),
    scriptQueueMax: read(env, "PATCHBAY_SCRIPT_QUEUE_MAX", integer(0, 100_000)) ?? 256,
    googleJwksUrl:
      read(env, "PATCHBAY_GOOGLE_JWKS_URL", httpUrl) ?? "https://www.googleapis.com/oauth2/v3/certs",
    jobSuperviseSeconds: read(env, "PATCHBAY_JOB_SUPERVISE_S", integer(1, 3600)) ?? 5,
    webhookCommitWaitMs: read(env, "PATCHBAY_WEBHOOK_COMMIT_WAIT_MS", integer(0, 1000)) ?? 10,
    webhookAllowInsecureCallbacks:
      read(
        env,
        "PATCHBAY_WEBHOOK_ALLOW_INSECURE_CALLBACKS",
        z.enum(["true", "false"], { error: "must be true or false" }),
      ) === "true",
  };
}

function readOAuthClients(env: Env): Map<string, { clientId: string; clientSecret: string }> {
  const clients = new Map<string, { clientId: string; clientSecret: string }>();
  for (const name of Object.keys(env)) {
    const match = /^PATCHBAY_OAUTH_([A-Z0-9_]+)_CLIENT_ID$/.exec(name);
    if (match?.[1] === undefined || env[name] === "") continue;
    const secretName = `PATCHBAY_OAUTH_${match[1]}_CLIENT_SECRET`;
    const clientSecret = env[secretName];
    if (clientSecret === undefined || clientSecret === "")
      throw new ConfigError(`${secretName} must be set with ${name}`);
    clients.set(match[1].toLowerCase().replaceAll("_", "-"), { clientId: env[name] ?? "", clientSecret });
  }
  return clients;
}
