import type { NativeQuery } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { WebhookMetrics } from "../metrics/index.ts";
import type { OutboundClient } from "../outbound/index.ts";
import type { PageTokens } from "../paging/index.ts";
import type { SecretBox } from "../secrets/index.ts";
import type { Tracing } from "../tracing/index.ts";
import type { EndpointCache } from "./endpoints/endpoint-cache.ts";
import type { EndpointStore } from "./endpoints/endpoint-store.ts";
import type { EventStore } from "./events/event-store.ts";
import type { JobQueue } from "./jobs/job-queue.ts";
import type { JobStore } from "./jobs/job-store.ts";
import type { VerifyContext } from "./providers/index.ts";
import type { DeliveryCounters } from "./receiver/delivery-counters.ts";
import type { EventWriter } from "./receiver/event-writer.ts";

/** What the webhook service needs (built by `openWebhooks`). */
export interface WebhookDeps {
  readonly query: NativeQuery;
  /** The feature's SQL, by table: endpoints, events, and pg-boss's jobs. */
  readonly endpointStore: EndpointStore;
  readonly eventStore: EventStore;
  readonly jobStore: JobStore;
  readonly secretBox: SecretBox;
  readonly jobs: JobQueue;
  readonly endpoints: EndpointCache;
  readonly counters: DeliveryCounters;
  /** Commits verified events with their jobs (group commit). */
  readonly writer: EventWriter;
  readonly verifyContext: VerifyContext;
  readonly pageTokens: PageTokens;
  readonly logger: Logger;
  /** The server's outbound client: HTTPS target deliveries go out through it. */
  readonly outbound: OutboundClient;
  /** PATCHBAY_PUBLIC_URL: endpoint URLs, and the URL providers sign (Twilio). */
  readonly publicUrl: string;
  /** Development: setup commands may register localhost, private or plain-http callback URLs. */
  readonly allowInsecureCallbacks: boolean;
  readonly now: () => Date;
  /** The webhook metrics; undefined when metrics are off. */
  readonly metrics?: WebhookMetrics | undefined;
  /** The tracer; undefined when tracing is off. */
  readonly tracing?: Tracing | undefined;
}
