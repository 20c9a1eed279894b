import {
  createNativeQuery,
  createPipelinedTransaction,
  type Database,
  type NotificationListener,
} from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { OutboundClient } from "../outbound/index.ts";
import type { PageTokens } from "../paging/index.ts";
import type { SecretBox } from "../secrets/index.ts";
import { createEndpointCache } from "./endpoints/endpoint-cache.ts";
import { hearEndpointChanges } from "./endpoints/endpoint-changes.ts";
import { startJobQueue } from "./jobs/job-queue.ts";
import { startDeliveryWorker } from "./jobs/start-delivery-worker.ts";
import { createDeliveryCounters } from "./receiver/delivery-counters.ts";
import { createEventWriter } from "./receiver/event-writer.ts";
import { createGoogleKeys } from "./receiver/google-keys.ts";
import type { WebhookDeps } from "./webhook-deps.ts";

/** What {@link startWebhooks} needs from the server. */
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
  /** The server's one clock. */
  readonly now: () => Date;
}

/** The running webhook feature: the service's dependencies and how to stop its background work. */
export interface Webhooks {
  readonly deps: WebhookDeps;
  stop(): Promise<void>;
}

/**
 * Starts the job queue (installing pg-boss's schema on first start), the delivery counters, the endpoint
 * cache (caching from when other replicas' endpoint changes can be heard) and the HTTPS delivery worker;
 * the service is registered with the returned deps.
 */
export async function startWebhooks(settings: WebhookSettings): Promise<Webhooks> {
  const query = createNativeQuery(() => settings.db.em());
  const jobs = await startJobQueue({
    db: settings.db,
    logger: settings.logger,
    superviseSeconds: settings.superviseSeconds,
  });
  const counters = createDeliveryCounters(query);
  const events = createPipelinedTransaction({
    db: settings.db,
    connections: 1,
    logger: settings.logger,
  });
  const endpoints = createEndpointCache(query, settings.secretBox, { caching: false });
  const stopHearing = await hearEndpointChanges(settings.notifications, endpoints);
  const deps: WebhookDeps = {
    query,
    writer: createEventWriter(events.transaction, jobs),
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
    commands: {},
    now: settings.now,
  };
  const stopWorker = await startDeliveryWorker(deps).catch(async (error: unknown) => {
    await stopHearing();
    throw error;
  });
  return {
    deps,
    async stop() {
      await stopWorker();
      await stopHearing();
      await counters.stop();
      await events.close();
      await jobs.stop();
    },
  };
}
