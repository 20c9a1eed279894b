import {
  createNativeQuery,
  createPipelinedTransaction,
  type Database,
  type NotificationListener,
  type PoolLoad,
} from "../db/index.ts";
import type { CommandRunner } from "../execute/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { WebhookMetrics } from "../metrics/index.ts";
import type { OutboundClient } from "../outbound/index.ts";
import type { PageTokens } from "../paging/index.ts";
import type { SecretBox } from "../secrets/index.ts";
import type { Tracing } from "../tracing/index.ts";
import { createEndpointCache } from "./endpoints/endpoint-cache.ts";
import { hearEndpointChanges } from "./endpoints/endpoint-changes.ts";
import { createEndpointStore } from "./endpoints/endpoint-store.ts";
import { createEventStore } from "./events/event-store.ts";
import { startJobQueue } from "./jobs/job-queue.ts";
import { createJobStore } from "./jobs/job-store.ts";
import { readJobsReading } from "./jobs/read-jobs-reading.ts";
import { type DeliveryWorker, startDeliveryWorker } from "./jobs/start-delivery-worker.ts";
import { createDeliveryCounters } from "./receiver/delivery-counters.ts";
import { createEventWriter } from "./receiver/event-writer.ts";
import { createGoogleKeys } from "./receiver/google-keys.ts";
import type { WebhookDeps } from "./webhook-deps.ts";

/** What {@link openWebhooks} needs from the server. */
export interface WebhookSettings {
  readonly db: Database;
  /** Where endpoint changes made by other replicas are heard (the process's one LISTEN connection). */
  readonly notifications: NotificationListener;
  readonly secretBox: SecretBox;
  readonly pageTokens: PageTokens;
  readonly logger: Logger;
  /** The server's outbound client: deliveries to HTTPS targets and Google's key set go out through it. */
  readonly outbound: OutboundClient;
  readonly publicUrl: string;
  /** PATCHBAY_WEBHOOK_ALLOW_INSECURE_CALLBACKS: development callbacks for setup commands. */
  readonly allowInsecureCallbacks: boolean;
  /** Google's JWKS for Pub/Sub push tokens (PATCHBAY_GOOGLE_JWKS_URL). */
  readonly googleJwksUrl: string;
  /** How often expired job leases are looked for (PATCHBAY_JOB_SUPERVISE_S). */
  readonly superviseSeconds: number;
  /** Under concurrent load, how long a batch of deliveries waits to fill before its commit (ms). */
  readonly commitWaitMs?: number;
  /** The server's one clock. */
  readonly now: () => Date;
  /** The webhook metrics; undefined when metrics are off. */
  readonly metrics?: WebhookMetrics | undefined;
  /** The tracer; undefined when tracing is off. */
  readonly tracing?: Tracing | undefined;
}

/** The webhook feature, open: the service's dependencies, the delivery worker to start, and the stop. */
export interface Webhooks {
  readonly deps: WebhookDeps;
  /**
   * Starts the HTTPS/command delivery worker. The composition root calls it last, once `run` (Execute's
   * command runner, which needs the connections and this feature's registrar) exists.
   */
  startDelivery(run: CommandRunner): Promise<void>;
  /**
   * The feature's own PostgreSQL pools now: the event writer's (`waiting` counts the received events
   * waiting for their commit) and the job queue's.
   */
  poolLoads(): { readonly events: PoolLoad; readonly jobs: PoolLoad };
  /**
   * The server is stopping: the worker claims no more jobs, and puts back those it holds and has not
   * begun. Called before the server cancels the commands still running, so that no job's command begins
   * after that (it would begin cancelled). {@link stop} still waits for the deliveries under way.
   */
  pauseDelivery(): void;
  /** Stops the worker (when started), once its deliveries under way have ended, and the feature's background work. */
  stop(): Promise<void>;
}

/**
 * Opens the job queue (installing pg-boss's schema on first start), the delivery counters and the
 * endpoint cache (caching from when other replicas' endpoint changes can be heard); the service is
 * registered with the returned deps and the delivery worker starts with {@link Webhooks.startDelivery}.
 */
export async function openWebhooks(settings: WebhookSettings): Promise<Webhooks> {
  const query = createNativeQuery(() => settings.db.em());
  const jobs = await startJobQueue({
    db: settings.db,
    logger: settings.logger,
    superviseSeconds: settings.superviseSeconds,
  });
  const endpointStore = createEndpointStore(query);
  const jobStore = createJobStore(query);
  const metrics = settings.metrics;
  const counters = createDeliveryCounters(endpointStore);
  const events = createPipelinedTransaction({
    db: settings.db,
    connections: 1,
    logger: settings.logger,
  });
  const writer = createEventWriter(events.transaction, jobs, { metrics, waitMs: settings.commitWaitMs });
  const endpoints = createEndpointCache(endpointStore, settings.secretBox, { caching: false });
  const stopHearing = await hearEndpointChanges(settings.notifications, endpoints);
  const deps: WebhookDeps = {
    query,
    endpointStore,
    eventStore: createEventStore(query),
    jobStore,
    writer,
    secretBox: settings.secretBox,
    jobs,
    endpoints,
    counters,
    verifyContext: { googleKeys: createGoogleKeys(settings.googleJwksUrl, settings.outbound) },
    pageTokens: settings.pageTokens,
    logger: settings.logger,
    outbound: settings.outbound,
    publicUrl: settings.publicUrl,
    allowInsecureCallbacks: settings.allowInsecureCallbacks,
    now: settings.now,
    metrics,
    tracing: settings.tracing,
  };
  metrics?.watchJobs(() =>
    readJobsReading(jobStore).catch((error: unknown) => {
      // The database's own code (SQLSTATE) when it gave one.
      settings.logger.warn(
        { code: (error as { code?: unknown }).code },
        "webhook jobs could not be counted for metrics",
      );
      throw error;
    }),
  );
  const workers: DeliveryWorker[] = [];
  return {
    deps,
    async startDelivery(run) {
      workers.push(await startDeliveryWorker(deps, run));
    },
    poolLoads() {
      // The writer starts one commit at a time on the one connection: events wait for their batch, not at the pool.
      const load = events.load();
      return { events: { ...load, waiting: load.waiting + writer.waiting() }, jobs: jobs.poolLoad() };
    },
    pauseDelivery() {
      for (const worker of workers) worker.pause();
    },
    async stop() {
      for (const worker of workers.splice(0)) await worker.stop();
      await stopHearing();
      await counters.stop();
      await events.close();
      await jobs.stop();
    },
  };
}
