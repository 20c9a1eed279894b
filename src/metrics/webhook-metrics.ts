import { Gauge, type Registry } from "prom-client";
import { createLabelCap } from "./label-cap.ts";
import { createLabeledCounter } from "./labeled-counter.ts";
import { createLabeledHistogram } from "./labeled-histogram.ts";

/** How a provider's delivery to the public receiver ended, when it was not refused. */
export type WebhookReceipt = "accepted" | "duplicate" | "handshake" | "error";

/** Why the receiver refused a delivery (or a subscription handshake). */
export type WebhookRejection =
  | "unknown_endpoint"
  | "signature_missing"
  | "signature"
  | "stale"
  | "malformed"
  | "handshake_failed";

/** Where the server delivers an event itself. */
export type WebhookTargetKind = "https" | "command";

/** One delivery attempt to a target: delivered, failed and retried later, failed for good, or dropped. */
export type WebhookTargetResult = "success" | "retry" | "dead" | "skipped";

/** The job queues: the server's own deliveries, and pull endpoints' jobs waiting for their consumers. */
export const WEBHOOK_QUEUES = ["delivery", "pull"] as const;
export type WebhookQueue = (typeof WEBHOOK_QUEUES)[number];

/** Job states counted (succeeded jobs are kept for a week and not counted). */
export const WEBHOOK_JOB_STATES = ["queued", "retrying", "running", "dead"] as const;
export type WebhookJobState = (typeof WEBHOOK_JOB_STATES)[number];

/** One queue's jobs, as read from the database. */
export interface WebhookQueueReading {
  readonly jobs: Readonly<Record<WebhookJobState, number>>;
  /** Jobs due now and waiting for a worker (delivery) or a consumer's claim (pull). */
  readonly waiting: number;
  /** How long the oldest of them has been due, in seconds (0 when none waits). */
  readonly oldestWaitingSeconds: number;
}

/** Every queue's jobs (the same on every replica: they are read from the shared database). */
export type WebhookJobsReading = Readonly<Record<WebhookQueue, WebhookQueueReading>>;

/** Webhook metrics: the receiver, the events it stores, the job queues and deliveries to targets. */
export interface WebhookMetrics {
  /** `provider` is always one of the fixed provider names, never a caller's text. */
  received(provider: string, outcome: WebhookReceipt): void;
  /** A delivery (or handshake) turned away: counted as outcome `rejected` with its reason. */
  refused(provider: string, reason: WebhookRejection): void;
  /** Time a provider's rules took to verify one delivery. */
  verified(provider: string, seconds: number): void;
  /** Events committed (with their jobs). */
  stored(provider: string, events: number): void;
  delivered(target: WebhookTargetKind, result: WebhookTargetResult): void;
  /** Reads the jobs when scraped, at most once per {@link JOBS_READ_EVERY_MS}. */
  watchJobs(read: () => Promise<WebhookJobsReading>): void;
}

/** Scrapes closer together than this share one read of the jobs table. */
export const JOBS_READ_EVERY_MS = 5_000;
/** Provider labels kept (defence in depth: callers pass only the fixed provider names). */
const MAX_PROVIDERS = 32;
const VERIFY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  // Counted per delivery: series found by their label values and published at each scrape.
  const received = createLabeledCounter(registry, {
    name: "patchbay_webhook_received_total",
    help: "Provider deliveries to the public receiver, by provider, outcome and (when rejected) reason.",
    labelNames: ["provider", "outcome", "reason"] as const,
  });
  const verification = createLabeledHistogram(registry, {
    name: "patchbay_webhook_verification_duration_seconds",
    help: "Time to verify one provider delivery (signature, token, timestamp), by provider.",
    labelNames: ["provider"] as const,
    buckets: VERIFY_BUCKETS,
  });
  const stored = createLabeledCounter(registry, {
    name: "patchbay_webhook_events_stored_total",
    help: "Webhook events committed with their jobs, by provider.",
    labelNames: ["provider"] as const,
  });
  const deliveries = createLabeledCounter(registry, {
    name: "patchbay_webhook_target_deliveries_total",
    help: "Delivery attempts to endpoints' targets by this process, by target kind and result.",
    labelNames: ["target", "result"] as const,
  });

  let read: (() => Promise<WebhookJobsReading>) | undefined;
  let last: { readonly at: number; readonly reading: Promise<WebhookJobsReading | undefined> } | undefined;
  /** The jobs, read at most once per JOBS_READ_EVERY_MS; undefined when unwatched or unreadable. */
  const jobs = (): Promise<WebhookJobsReading | undefined> => {
    if (read === undefined) return Promise.resolve(undefined);
    const at = performance.now();
    if (last === undefined || at - last.at >= JOBS_READ_EVERY_MS) {
      last = { at, reading: read().catch(() => undefined) };
    }
    return last.reading;
  };
  // A failed read leaves the series out (rather than showing zeros or stale counts) until one succeeds.
  new Gauge({
    name: "patchbay_webhook_jobs",
    help: "Webhook jobs in the database, by queue (delivery, pull) and state (queued, retrying, running, dead).",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      const reading = await jobs();
      this.reset();
      if (reading === undefined) return;
      for (const queue of WEBHOOK_QUEUES) {
        for (const state of WEBHOOK_JOB_STATES) this.set({ queue, state }, reading[queue].jobs[state]);
      }
    },
  });
  new Gauge({
    name: "patchbay_webhook_queue_depth",
    help: "Webhook jobs due now and waiting for a worker (delivery) or a consumer (pull), by queue.",
    labelNames: ["queue"] as const,
    registers: [registry],
    async collect() {
      const reading = await jobs();
      this.reset();
      if (reading === undefined) return;
      for (const queue of WEBHOOK_QUEUES) this.set({ queue }, reading[queue].waiting);
    },
  });
  new Gauge({
    name: "patchbay_webhook_queue_oldest_age_seconds",
    help: "How long the oldest waiting webhook job has been due, by queue (0 when none waits).",
    labelNames: ["queue"] as const,
    registers: [registry],
    async collect() {
      const reading = await jobs();
      this.reset();
      if (reading === undefined) return;
      for (const queue of WEBHOOK_QUEUES) this.set({ queue }, reading[queue].oldestWaitingSeconds);
    },
  });

  const providerCap = createLabelCap(MAX_PROVIDERS);
  return {
    received: (provider, outcome) => received.series(providerCap(provider), outcome, undefined).inc(),
    refused: (provider, reason) => received.series(providerCap(provider), "rejected", reason).inc(),
    verified: (provider, seconds) => verification.series(providerCap(provider)).observe(seconds),
    stored: (provider, events) => stored.series(providerCap(provider)).inc(events),
    delivered: (target, result) => deliveries.series(target, result).inc(),
    watchJobs(reader) {
      read = reader;
      last = undefined;
    },
  };
}
