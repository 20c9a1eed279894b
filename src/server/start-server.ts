import { hostname } from "node:os";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { AgentHub } from "../agents/index.ts";
import {
  type ApiKeyStore,
  bootstrapAdminKey,
  listenForRevocations,
  startApiKeyExpirySweep,
} from "../auth/index.ts";
import type { Config } from "../config.ts";
import { startOAuthFlowSweep, type TokenRefresher } from "../connections/index.ts";
import type { Sandbox } from "../connectors/script/index.ts";
import { createNativeQuery, type Database } from "../db/index.ts";
import { startRetentionSweep } from "../execute/index.ts";
import type { Logger } from "../logging/logger.ts";
import { createReplyRelay, createToolListNotices } from "../mcp/index.ts";
import { createMetrics, createMetricsHistory, listenForMetrics } from "../metrics/index.ts";
import { createLoadMonitor } from "../overload/index.ts";
import { listen } from "../protocol/listener.ts";
import { SERVER_STOPPING } from "../protocol/server-stopping.ts";
import { createSecretBox, resolveMasterKeys } from "../secrets/index.ts";
import { createTracing } from "../tracing/index.ts";
import { adminKeyNotice } from "./admin-key-notice.ts";
import { createApp } from "./app.ts";
import { buildServices } from "./build-services.ts";
import { drainListener } from "./drain-listener.ts";
import { openInfrastructure } from "./open-infrastructure.ts";
import { createReadiness } from "./readiness.ts";
import { readServerIdentity } from "./server-identity.ts";

/** A running Patchbay. */
export interface RunningServer {
  /** The bound port. */
  readonly port: number;
  /** Base URL on loopback, for clients in the same machine (tests, smoke checks). */
  readonly url: string;
  /** The open database (tests use it to simulate outages). */
  readonly db: Database;
  /** Fresh OAuth tokens of a connection, refreshed single-flight (what command execution uses). */
  readonly tokens: TokenRefresher;
  /** The key store requests are authenticated with (its revocations clear its cache at once). */
  readonly keys: ApiKeyStore;
  /** The script sandbox this server runs script connectors in (tests read its processes). */
  readonly sandbox: Sandbox;
  /** The port `/metrics` is served on alone (PATCHBAY_METRICS_PORT; 0 picks one); undefined otherwise. */
  readonly metricsPort: number | undefined;
  /** The on-premise agents connected to this server, and the requests sent through them. */
  readonly agents: AgentHub;
  /**
   * Graceful stop: turn not-ready at once (/readyz 503, grpc.health NOT_SERVING) but keep serving for the
   * drain delay, then refuse new connections and let in-flight calls finish (up to the shutdown timeout),
   * cancel the commands still running (each is recorded), stop background work, close the database. Safe
   * to call more than once.
   */
  stop(): Promise<void>;
}

/** Options for {@link startServer}. */
export interface StartOptions {
  logger: Logger;
  /** Where the one-time admin key notice goes (standard error by default, never the log). */
  notice?: (text: string) => void;
}

/**
 * The composition root: opens the infrastructure (database, outbound client, sandbox, import worker),
 * applies migrations, bootstraps the admin key and the built-in catalog, builds every feature once
 * (`buildServices`), registers the routes, starts the background workers last, and listens.
 */
export async function startServer(config: Config, options: StartOptions): Promise<RunningServer> {
  const { logger } = options;
  const notice = options.notice ?? ((text: string) => process.stderr.write(text));
  const masterKeys = await resolveMasterKeys(config.masterKeys, config.dataDir);
  const secretBox = createSecretBox(masterKeys.keys);
  logger.info({ source: masterKeys.source, keyId: secretBox.primaryKeyId }, "master key loaded");

  // Everything opened from here on is closed in reverse order, by stop() or when the start fails.
  const opened = new AsyncDisposableStack();
  try {
    // The one clock: every feature reads the time through it (tests of a feature pass their own).
    const now = () => new Date();
    const metrics = config.metrics.enabled
      ? createMetrics({
          connectorLabels: config.metrics.connectorLabels,
          maxConnectors: config.metrics.maxConnectors,
          // Ten commands a connector on average before commands count as `other`.
          maxCommands: config.metrics.maxConnectors * 10,
        })
      : undefined;
    const tracing =
      config.tracing === undefined ? undefined : createTracing(config.tracing, readServerIdentity().version);
    // Spans still buffered are exported when the server stops (after the calls that made them).
    if (tracing !== undefined) opened.defer(() => tracing.shutdown());
    const infra = await openInfrastructure(config, {
      logger,
      metrics,
      tracing,
      secretBox,
      pageTokenKey: masterKeys.keys[0] as Buffer,
      now,
      opened,
    });
    const { db, sandbox, keys, notifications } = infra;
    const boot = await bootstrapAdminKey(db.em(), config.adminKey);
    if (boot.kind === "generated") notice(adminKeyNotice(boot.key, config.port));
    if (boot.kind === "stored-configured")
      logger.info({ prefix: boot.prefix }, "admin key from PATCHBAY_ADMIN_KEY stored");

    // Set when a stop begins: from then on readiness answers false (/readyz 503, grpc.health NOT_SERVING)
    // so load balancers route around this process before it refuses anything.
    const leaving = new AbortController();
    const ready = createReadiness({ db, sandbox, logger, leaving: leaving.signal });
    const services = buildServices(
      { ...infra, metrics, tracing },
      {
        publicUrl: config.publicUrl,
        oauthClients: config.oauthClients,
        oauthRefreshMarginSeconds: config.oauthRefreshMarginSeconds,
        oauthAllowLoopbackHttp: config.oauthAllowLoopbackHttp,
        rateLimits: config.rateLimits,
        requestLimits: { bodyBytes: config.maxBodyBytes, openapiBytes: config.maxOpenApiBytes },
      },
      leaving.signal,
    );
    const loadMonitor =
      config.shedEventLoopDelayMs > 0 || config.shedDbWaiting > 0
        ? createLoadMonitor({
            loopDelay: monitorEventLoopDelay({ resolution: 10 }),
            dbWaiting: () => db.poolLoad()?.waiting ?? 0,
            thresholds: { loopDelayMs: config.shedEventLoopDelayMs, dbWaiting: config.shedDbWaiting },
            now: () => performance.now(),
          })
        : undefined;
    if (loadMonitor !== undefined) opened.defer(() => loadMonitor.stop());
    const shutdown = new AbortController();
    opened.defer(() => shutdown.abort(SERVER_STOPPING));
    // MCP's notification streams end as soon as a stop begins, so their clients reconnect elsewhere.
    const mcp = {
      notices: createToolListNotices({ logger }),
      replies: createReplyRelay({ query: createNativeQuery(() => db.em()), logger }),
    };
    leaving.signal.addEventListener("abort", () => mcp.notices.endAll(), { once: true });
    // The overview page's last hour of this replica's metrics, sampled from its own registry.
    const metricsHistory =
      metrics === undefined
        ? undefined
        : createMetricsHistory(metrics.registry, {
            sampleMs: config.metrics.sampleMs,
            onError: (error) => logger.warn({ err: error }, "metrics history sample failed"),
          });
    const app = createApp({
      logger,
      metrics,
      tracing,
      metricsHistory,
      metricsOnMainPort: config.metrics.port === undefined,
      keys,
      services,
      db,
      rateLimits: config.rateLimits,
      overload: { limits: config.concurrencyLimits, monitor: loadMonitor },
      ready,
      maxBodyBytes: config.maxBodyBytes,
      unaryFastPath: config.unaryFastPath,
      mcp,
      shutdownSignal: shutdown.signal,
    });

    // Workers start last: everything they call exists.
    opened.defer(await listenForRevocations(notifications, keys));
    opened.defer(await mcp.notices.start(notifications));
    opened.defer(await mcp.replies.start(notifications));
    // Agents on other replicas: this replica's streams are shared, and requests relayed both ways.
    opened.defer(services.agents.presence.start());
    opened.defer(await services.agents.relay.start(notifications));
    // Expired keys are revoked too, so that a release that reads only revoked_at refuses them.
    opened.defer(
      startApiKeyExpirySweep(
        createNativeQuery(() => db.em()),
        logger,
      ),
    );
    opened.defer(
      startRetentionSweep(
        createNativeQuery(() => db.em()),
        config.executionRetentionDays,
        logger,
        now,
      ),
    );
    // Expired OAuth authorizations (with their sealed code verifiers) and start links are deleted a day on.
    opened.defer(
      startOAuthFlowSweep(
        createNativeQuery(() => db.em()),
        logger,
        now,
      ),
    );
    await infra.webhookFeature.startDelivery(services.commands);
    if (metricsHistory !== undefined) opened.defer(metricsHistory.start());

    const metricsListener =
      metrics !== undefined && config.metrics.port !== undefined
        ? await listenForMetrics(metrics.registry, { host: config.host, port: config.metrics.port })
        : undefined;
    if (metricsListener !== undefined) opened.defer(() => metricsListener.close());
    const listener = await listen(app.handler, {
      port: config.port,
      host: config.host,
      tls: config.tls,
      onStream: app.onStream,
    });
    logger.info(
      {
        port: listener.port,
        tls: config.tls !== undefined,
        database: db.kind,
        replica: services.agents.relay.replicaId,
        host: hostname(),
      },
      "patchbay listening",
    );
    const background = opened.move();
    let stopping: Promise<void> | undefined;
    return {
      port: listener.port,
      url: `${listener.scheme}://127.0.0.1:${listener.port}`,
      db,
      tokens: services.tokens,
      keys,
      sandbox,
      agents: services.agents.hub,
      metricsPort: metricsListener?.port,
      stop() {
        stopping ??= (async () => {
          leaving.abort();
          await drainListener(listener, config, logger, shutdown);
          // Commands may still be running (of calls the grace period's end cut off, of webhook jobs): they
          // are cancelled now, so that each is recorded before the recorder's last write. The webhook
          // worker stops claiming jobs first, in the same turn: a job it claimed after this would begin
          // its command already cancelled (its job is put back without costing an attempt).
          infra.webhookFeature.pauseDelivery();
          const cancelled = infra.recorder.cancelRunning();
          if (cancelled > 0)
            logger.warn({ runs: cancelled }, "stopping: cancelled the commands still running");
          // Their records, and all others still queued, are written now, before background work stops:
          // the delivery worker's stop waits for HTTPS deliveries under way (up to their timeout), and a
          // stop that outlasts its budget ends the process. The disposal's own stop of the recorder then
          // finds it stopped.
          await infra.recorder.stop();
          logger.info("stopping: connections closed; stopping background work");
          await background.disposeAsync();
          logger.info("stopped");
        })();
        return stopping;
      },
    };
  } catch (error) {
    await opened
      .disposeAsync()
      .catch((closing: unknown) => logger.warn({ err: closing }, "closing after a failed start failed"));
    throw error;
  }
}
