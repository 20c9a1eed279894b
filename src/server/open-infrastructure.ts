import { randomBytes } from "node:crypto";
import { createApiKeyStore } from "../auth/index.ts";
import { BUILTIN_CATALOG, syncBuiltinCatalog } from "../catalog/index.ts";
import type { Config } from "../config.ts";
import { EXTERNAL_MAX_RESPONSE_BYTES } from "../connectors/external/index.ts";
import { createOpenApiImporter } from "../connectors/openapi/index.ts";
import { createSandbox, instrumentSandbox } from "../connectors/script/index.ts";
import { createNotificationListener, type NotificationListener, openDatabase } from "../db/index.ts";
import { ENTITIES } from "../entities.ts";
import { createExecutionRecorder, createExternalClients } from "../execute/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/index.ts";
import { createOutboundClient, instrumentOutbound } from "../outbound/index.ts";
import { createPageTokens } from "../paging/index.ts";
import type { SecretBox } from "../secrets/index.ts";
import { type Tracing, traceStatements } from "../tracing/index.ts";
import { openWebhooks, type Webhooks } from "../webhooks/index.ts";
import type { Infrastructure } from "./build-services.ts";
import { logSandboxEvent } from "./log-sandbox-event.ts";

/** What {@link openInfrastructure} opened: the features' infrastructure, and what only the root uses. */
export interface OpenInfrastructure extends Infrastructure {
  /** The webhook feature, open; its delivery worker starts last. */
  readonly webhookFeature: Webhooks;
  /** The process's one LISTEN connection (API-key revocations, webhook endpoint changes). */
  readonly notifications: NotificationListener;
}

/** The settings {@link openInfrastructure} reads. */
export type InfrastructureSettings = Pick<
  Config,
  | "databaseUrl"
  | "dataDir"
  | "dbPoolMax"
  | "dbStatementTimeoutMs"
  | "egressAllow"
  | "scriptProcesses"
  | "scriptQueueMax"
  | "publicUrl"
  | "googleJwksUrl"
  | "jobSuperviseSeconds"
  | "webhookCommitWaitMs"
  | "webhookAllowInsecureCallbacks"
>;

/**
 * Opens what every feature stands on, in dependency order, and pushes each on `opened` (closed in reverse
 * order by whoever owns the stack): the database with its migrations applied and the built-in catalog in
 * step, this server's own outbound client, external connector clients, OpenAPI import worker and script
 * sandbox, the execution recorder, the API-key store, the LISTEN connection (named after this replica's
 * id), and the webhook job queue. The server and the in-process tests (test/support/in-process.ts) open
 * the same infrastructure through it.
 */
export async function openInfrastructure(
  config: InfrastructureSettings,
  context: {
    readonly logger: Logger;
    readonly secretBox: SecretBox;
    /** The primary master key: page tokens are bound to it. */
    readonly pageTokenKey: Buffer;
    readonly now: () => Date;
    readonly opened: AsyncDisposableStack;
    /** The metrics registry; undefined when metrics are off. */
    readonly metrics?: Metrics | undefined;
    /** The tracer; undefined when tracing is off. */
    readonly tracing?: Tracing | undefined;
  },
): Promise<OpenInfrastructure> {
  const { logger, secretBox, now, opened } = context;
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.dbPoolMax,
    logger,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    entities: ENTITIES,
    observeStatement: context.tracing === undefined ? undefined : traceStatements(context.tracing),
  });
  opened.defer(() => db.close());
  // This server's own outbound client (and its egress guard), sandbox and import worker: another server
  // in the same process has its own.
  const direct = createOutboundClient({ allow: config.egressAllow });
  opened.defer(() => direct.close());
  const outbound = context.metrics ? instrumentOutbound(direct, context.metrics.outbound) : direct;
  // Closed after everything that calls external connectors has stopped (the stack unwinds in reverse),
  // so that no connection to one outlives the server. Their answers are read up to the clients' own cap,
  // not the guard's token-sized default.
  const externalClients = createExternalClients(
    outbound.guard.withMaxResponseBytes(EXTERNAL_MAX_RESPONSE_BYTES),
  );
  opened.defer(() => externalClients.close());
  const openapi = createOpenApiImporter();
  opened.defer(() => openapi.close());
  const sandboxProcesses = createSandbox({
    processes: config.scriptProcesses,
    queueMax: config.scriptQueueMax,
    egressAllow: config.egressAllow,
    onEvent: (event) => {
      logSandboxEvent(logger, event);
      context.metrics?.sandbox.event(event.kind);
    },
  });
  opened.defer(() => sandboxProcesses.close());
  const sandbox = context.metrics
    ? instrumentSandbox(sandboxProcesses, context.metrics.sandbox)
    : sandboxProcesses;
  if (config.egressAllow.length > 0) {
    logger.info({ entries: config.egressAllow.length }, "egress allow-list in effect");
  }

  const applied = await db.migrate();
  logger.info({ database: db.kind, applied }, "database ready");
  const synced = await syncBuiltinCatalog(db.em(), BUILTIN_CATALOG, now);
  if (synced.changed.length > 0) logger.info({ connectors: synced.changed }, "built-in catalog updated");
  if (synced.unbumped.length > 0) {
    logger.warn({ connectors: synced.unbumped }, "built-in connector schema changed without a version bump");
  }

  const recorder = createExecutionRecorder(() => db.em(), logger, { metrics: context.metrics?.platform });
  opened.defer(() => recorder.stop());
  const keys = createApiKeyStore(() => db.em(), now);
  // This replica's id among the replicas of the database: it names the listening connection, so the
  // others can tell whether it is still there.
  const replicaId = randomBytes(8).toString("hex");
  const notifications = createNotificationListener({ db, logger, owner: replicaId });
  opened.defer(() => notifications.close());
  const pageTokens = createPageTokens(context.pageTokenKey);
  const webhookFeature = await openWebhooks({
    db,
    notifications,
    secretBox,
    pageTokens,
    logger,
    outbound,
    publicUrl: config.publicUrl,
    googleJwksUrl: config.googleJwksUrl,
    superviseSeconds: config.jobSuperviseSeconds,
    commitWaitMs: config.webhookCommitWaitMs,
    allowInsecureCallbacks: config.webhookAllowInsecureCallbacks,
    now,
    metrics: context.metrics?.webhooks,
    tracing: context.tracing,
  });
  context.metrics?.platform.watchPools(() => ({ main: db.poolLoad(), ...webhookFeature.poolLoads() }));
  opened.defer(() =>
    webhookFeature
      .stop()
      .catch((error: unknown) =>
        logger.warn(
          { code: (error as { code?: string }).code ?? "STOP_FAILED" },
          "webhook jobs did not stop cleanly",
        ),
      ),
  );
  return {
    db,
    replicaId,
    logger,
    secretBox,
    pageTokens,
    outbound,
    externalClients,
    openapi,
    sandbox,
    recorder,
    keys,
    now,
    webhooks: webhookFeature.deps,
    webhookFeature,
    notifications,
  };
}
