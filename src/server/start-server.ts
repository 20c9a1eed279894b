import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type ApiKeyStore,
  bootstrapAdminKey,
  createApiKeyStore,
  listenForRevocations,
  startApiKeyExpirySweep,
} from "../auth/index.ts";
import {
  BUILTIN_CATALOG,
  type CatalogDeps,
  createConnectorLookup,
  syncBuiltinCatalog,
} from "../catalog/index.ts";
import type { Config } from "../config.ts";
import { createLiveConnectionCounter, type TokenRefresher } from "../connections/index.ts";
import { BUILT_IN_DEFINITIONS } from "../connectors/index.ts";
import { createOpenApiImporter, createTokenCache } from "../connectors/openapi/index.ts";
import { createSandbox, type Sandbox } from "../connectors/script/index.ts";
import { createNativeQuery, createNotificationListener, type Database, openDatabase } from "../db/index.ts";
import { ENTITIES } from "../entities.ts";
import { createExecutionRecorder, startRetentionSweep } from "../execute/index.ts";
import type { Logger } from "../logging/logger.ts";
import { createOutboundClient } from "../outbound/index.ts";
import { createLoadMonitor } from "../overload/index.ts";
import { createPageTokens } from "../paging/index.ts";
import { listen } from "../protocol/listener.ts";
import { createSecretBox, resolveMasterKeys } from "../secrets/index.ts";
import { startWebhooks } from "../webhooks/index.ts";
import { createApp } from "./app.ts";

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
  /**
   * Graceful stop: turn not-ready at once (/readyz 503, grpc.health NOT_SERVING) but keep serving for the
   * drain delay, then refuse new connections and let in-flight calls finish (up to the shutdown timeout),
   * stop background work, close the database. Safe to call more than once.
   */
  stop(): Promise<void>;
}

/** Options for {@link startServer}. */
export interface StartOptions {
  logger: Logger;
  /** Where the one-time admin key notice goes (standard error by default, never the log). */
  notice?: (text: string) => void;
}

/** Opens the database, applies migrations, bootstraps keys and the catalog, and starts listening. */
export async function startServer(config: Config, options: StartOptions): Promise<RunningServer> {
  const { logger } = options;
  const notice = options.notice ?? ((text: string) => process.stderr.write(text));
  const masterKeys = await resolveMasterKeys(config.masterKeys, config.dataDir);
  const secretBox = createSecretBox(masterKeys.keys);
  logger.info({ source: masterKeys.source, keyId: secretBox.primaryKeyId }, "master key loaded");

  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.dbPoolMax,
    logger,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    entities: ENTITIES,
  });
  const shutdown = new AbortController();
  // The one clock: every feature reads the time through it (tests of a feature pass their own).
  const now = () => new Date();
  // This server's own outbound client (and its egress guard), sandbox and import worker: built here,
  // passed down, closed in stop(); another server in the same process has its own.
  const outbound = createOutboundClient({ allow: config.egressAllow });
  const openapi = createOpenApiImporter();
  const sandbox = createSandbox({
    processes: config.scriptProcesses,
    queueMax: config.scriptQueueMax,
    egressAllow: config.egressAllow,
    onEvent: (event) => {
      if (event.kind === "memory-recycled")
        logger.info({ pid: event.pid }, "a script hit its memory limit; its sandbox process is replaced");
      else if (event.kind === "isolate-lost")
        logger.warn({ pid: event.pid }, "a script sandbox process lost an isolate; it is replaced");
      else if (event.kind === "process-hung")
        logger.error({ pid: event.pid }, "a script sandbox process stopped answering; killed");
      else
        logger.error(
          { pid: event.pid, exitCode: event.exitCode, signal: event.signal },
          "a script sandbox process exited; executions on it failed with SCRIPT_SANDBOX_LOST",
        );
    },
  });
  if (config.egressAllow.length > 0) {
    logger.info({ entries: config.egressAllow.length }, "egress allow-list in effect");
  }
  try {
    const applied = await db.migrate();
    logger.info({ database: db.kind, applied }, "database ready");

    const boot = await bootstrapAdminKey(db.em(), config.adminKey);
    if (boot.kind === "generated") notice(adminKeyNotice(boot.key, config.port));
    if (boot.kind === "stored-configured")
      logger.info({ prefix: boot.prefix }, "admin key from PATCHBAY_ADMIN_KEY stored");

    const synced = await syncBuiltinCatalog(db.em(), BUILTIN_CATALOG, now);
    if (synced.changed.length > 0) logger.info({ connectors: synced.changed }, "built-in catalog updated");
    if (synced.unbumped.length > 0) {
      logger.warn(
        { connectors: synced.unbumped },
        "built-in connector schema changed without a version bump",
      );
    }

    let migrated = false;
    let wasReady = true;
    // Set when a stop begins: from then on readiness answers false (/readyz 503, grpc.health NOT_SERVING)
    // so load balancers route around this process before it refuses anything.
    const leaving = new AbortController();
    const ready = async () => {
      if (leaving.signal.aborted) return false;
      let now = false;
      try {
        if (await db.ping(1500)) {
          if (!migrated) migrated = (await db.pendingMigrations()).length === 0;
          now = migrated;
        }
      } catch (error) {
        logger.debug({ err: error }, "readiness check failed");
      }
      if (now && !sandbox.healthy()) {
        // Sandbox processes die as soon as they start: scripts cannot run here.
        if (wasReady) logger.error("not ready: script sandbox processes keep exiting at start");
        wasReady = false;
        return false;
      }
      // Say so once per change, not once per health probe.
      if (now !== wasReady)
        logger[now ? "info" : "warn"]({ ready: now }, now ? "database is back" : "database unreachable");
      wasReady = now;
      return now;
    };
    const pageTokens = createPageTokens(masterKeys.keys[0] as Buffer);
    const catalog: CatalogDeps = {
      em: () => db.em(),
      pageTokens,
      secretBox,
      builtins: new Map(BUILT_IN_DEFINITIONS.map((d) => [d.name, d])),
      outbound,
      openapi,
      envOAuthClients: new Set(config.oauthClients.keys()),
      liveConnections: createLiveConnectionCounter(() => db.em()),
      now,
    };
    const lookup = createConnectorLookup(catalog);
    catalog.changed = (slug) => lookup.forget(slug);
    const recorder = createExecutionRecorder(() => db.em(), logger);
    const keys = createApiKeyStore(() => db.em(), now);
    // The one LISTEN connection for caches that must hear other replicas' changes (API-key revocations,
    // webhook endpoints).
    const notifications = createNotificationListener({ db, logger });
    const stopListening = await listenForRevocations(notifications, keys);
    // Expired keys are revoked too, so that a release that reads only revoked_at refuses them.
    const stopKeySweep = startApiKeyExpirySweep(
      createNativeQuery(() => db.em()),
      logger,
    );
    const stopSweep = startRetentionSweep(
      createNativeQuery(() => db.em()),
      config.executionRetentionDays,
      logger,
      now,
    );
    const webhooks = await startWebhooks({
      db,
      notifications,
      secretBox,
      pageTokens,
      logger,
      outbound,
      publicUrl: config.publicUrl,
      googleJwksUrl: config.googleJwksUrl,
      superviseSeconds: config.jobSuperviseSeconds,
      allowInsecureCallbacks: config.webhookAllowInsecureCallbacks,
      now,
    });
    const loadMonitor =
      config.shedEventLoopDelayMs > 0 || config.shedDbWaiting > 0
        ? createLoadMonitor({
            loopDelay: monitorEventLoopDelay({ resolution: 10 }),
            dbWaiting: () => db.poolLoad()?.waiting ?? 0,
            thresholds: { loopDelayMs: config.shedEventLoopDelayMs, dbWaiting: config.shedDbWaiting },
            now: () => performance.now(),
          })
        : undefined;
    const app = createApp({
      logger,
      keys,
      catalog,
      webhooks: webhooks.deps,
      connections: {
        em: () => db.em(),
        secretBox,
        lookup,
        pageTokens,
        publicUrl: config.publicUrl,
        logger,
        outbound,
        oauthClients: config.oauthClients,
        oauthRefreshMarginSeconds: config.oauthRefreshMarginSeconds,
        oauthAllowLoopbackHttp: config.oauthAllowLoopbackHttp,
        now,
      },
      execute: {
        em: () => db.em(),
        lookup,
        recorder,
        pageTokens,
        logger,
        outbound,
        sandbox,
        openapiTokens: createTokenCache(),
        now,
      },
      db,
      rateLimits: config.rateLimits,
      overload: { limits: config.concurrencyLimits, monitor: loadMonitor },
      ready,
      maxBodyBytes: config.maxBodyBytes,
      shutdownSignal: shutdown.signal,
      now,
    });
    const listener = await listen(app.handler, { port: config.port, host: config.host, tls: config.tls });
    const url = `${listener.scheme}://127.0.0.1:${listener.port}`;
    logger.info(
      { port: listener.port, tls: config.tls !== undefined, database: db.kind },
      "patchbay listening",
    );

    let stopping: Promise<void> | undefined;
    return {
      port: listener.port,
      url,
      db,
      tokens: app.tokens,
      keys,
      sandbox,
      stop() {
        stopping ??= (async () => {
          // 1. Not ready, still serving: load balancers see /readyz fail and stop sending new work here,
          //    while what they already routed (and new connections from their stale view) is served.
          leaving.abort();
          logger.info(
            { drainDelayMs: config.drainDelayMs },
            "stopping: not ready; serving until load balancers have noticed",
          );
          if (config.drainDelayMs > 0) await sleep(config.drainDelayMs);
          // 2. Refuse new connections (HTTP/2 GOAWAY, HTTP/1.1 Connection: close), and 3. drain the calls
          //    in flight for up to the shutdown timeout.
          const drained = listener.close(config.shutdownTimeoutMs);
          logger.info(
            { graceMs: config.shutdownTimeoutMs },
            "stopping: refusing new connections; draining in-flight calls",
          );
          // Long-running handlers (streams) see their signal abort once the grace period is half over.
          const abortTimer = setTimeout(() => shutdown.abort(), config.shutdownTimeoutMs / 2);
          const graceTimer = setTimeout(
            () => logger.warn("stopping: grace period over; cutting the calls still running"),
            config.shutdownTimeoutMs,
          );
          await drained;
          clearTimeout(abortTimer);
          clearTimeout(graceTimer);
          logger.info("stopping: connections closed; stopping background work");
          // 4. Background work and the database.
          shutdown.abort();
          loadMonitor?.stop();
          stopSweep();
          await stopKeySweep();
          await webhooks
            .stop()
            .catch((error: unknown) =>
              logger.warn(
                { code: (error as { code?: string }).code ?? "STOP_FAILED" },
                "webhook jobs did not stop cleanly",
              ),
            );
          await recorder.stop();
          await stopListening();
          await notifications.close();
          sandbox.close();
          await openapi.close();
          await outbound.close();
          await db.close();
          logger.info("stopped");
        })();
        return stopping;
      },
    };
  } catch (error) {
    sandbox.close();
    await openapi.close();
    await outbound.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw error;
  }
}

function adminKeyNotice(key: string, port: number): string {
  return [
    "",
    "Patchbay created an admin API key. It is shown only this once; store it somewhere safe:",
    "",
    `    ${key}`,
    "",
    `Use it as a bearer token, for example:  curl -H "Authorization: Bearer ${key}" http://localhost:${port}/patchbay.v1.CatalogService/ListConnectors -H 'Content-Type: application/json' -d '{}'`,
    "Create narrower keys with:  npx patchbay keys create --subject <who> --scope catalog:read",
    "",
  ].join("\n");
}
