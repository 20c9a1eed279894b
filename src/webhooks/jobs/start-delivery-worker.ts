import { type JsonObject, toJson } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { type Context, SpanKind } from "@opentelemetry/api";
import type { JobResult, JobWithMetadata } from "pg-boss";
import { type WebhookEvent, WebhookEventSchema } from "../../../gen/patchbay/v1/webhook_pb.ts";
import type { Principal } from "../../auth/index.ts";
import type { CommandRunner } from "../../execute/index.ts";
import { codeName } from "../../protocol/errors.ts";
import { failSpan, traceOutbound } from "../../tracing/index.ts";
import { type StoredTarget, signingSecretContext } from "../endpoints/endpoint-row.ts";
import { toEventMessage } from "../events/event-message.ts";
import type { WebhookDeps } from "../webhook-deps.ts";
import { deliverHttps } from "./deliver-https.ts";
import { DELIVERY_QUEUE, type WebhookJobData } from "./job-queue.ts";
import { requeueStoppedJob } from "./requeue-stopped-job.ts";

/** A delivery job as the worker gets it. */
type DeliveryJob = JobWithMetadata<WebhookJobData>;

/** How long a command target's run may take (well inside the job's 120 s lease). */
const COMMAND_TIMEOUT_MS = 30_000;

/** The failure code of an attempt the server's stop ended (its job then goes back to the queue). */
const SERVER_STOPPED = "SERVER_STOPPED";

/** The delivery worker's pg-boss options. */
const WORK_OPTIONS = {
  // Small batches: a job is settled only when its whole batch is, so a slow target holds back
  // (and a crash redelivers) the rest of its batch. 8 loops × 4 jobs keep 32 deliveries in flight.
  batchSize: 4,
  localConcurrency: 8,
  pollingIntervalSeconds: 0.5,
  // With LISTEN/NOTIFY on, pg-boss polls only this often (default 30 s); a retry whose backoff
  // ended sends no NOTIFY and would wait for it.
  notifyPollingIntervalSeconds: 1,
  burstWhenBatchFull: true,
  perJobResults: true,
  // Each job's retry limit, to tell a failure that will be retried from one that makes it dead.
  includeMetadata: true,
} as const;

/** The running delivery worker. */
export interface DeliveryWorker {
  /**
   * Stops claiming jobs, at once (the server is stopping): a job claimed after this, or claimed before
   * and not yet delivering, is put back untouched, so its command never begins once the server's stop
   * has cancelled the commands running.
   */
  pause(): void;
  /** Stops claiming jobs and resolves once the jobs claimed have ended. */
  stop(): Promise<void>;
}

/**
 * Works the delivery queue in this process: each job POSTs its event to the endpoint's HTTPS target, or
 * runs the endpoint's connector command with the event as params.
 * A failure is retried by pg-boss with exponential backoff and jitter until the job is dead; a job
 * whose endpoint was deleted completes without delivering; a job whose command the server's stop
 * cancelled, or that the paused worker did not begin, goes back to the queue with the attempt given back.
 * `run` executes command targets through Execute's path (dispatch, failure classes, records); it exists
 * before the worker starts, so no job is ever claimed without it.
 */
export async function startDeliveryWorker(deps: WebhookDeps, run: CommandRunner): Promise<DeliveryWorker> {
  const boss = deps.jobs.boss;
  const { endpointStore, eventStore } = deps;
  let paused = false;

  /** One attempt's ending: the target kind it was for, and its failure code (undefined: delivered). */
  interface Attempt {
    readonly target: StoredTarget["kind"];
    readonly failure: string | undefined;
    /** Completed without delivering (the endpoint was deleted). */
    readonly skipped?: boolean;
    /**
     * Ended by the server's stop (the worker had paused, or the stop cancelled the command): the job goes
     * back to the queue without costing an attempt. Never told by the failure code, which a connector's
     * own failure may carry too.
     */
    readonly stopped?: boolean;
  }

  async function attempt(job: DeliveryJob, trace: Context | undefined): Promise<Attempt> {
    const endpoint = await endpointStore.findLive(job.data.endpointId);
    if (endpoint === undefined) return { target: job.data.targetKind, failure: undefined, skipped: true };
    const target = endpoint.target;
    const event = await eventStore.find(job.data.eventId);
    if (event === undefined) return { target: target.kind, failure: "EVENT_MISSING" };
    const message = toEventMessage(event, "running", { secretBox: deps.secretBox });
    // The stop pauses delivery and then, in the same turn, cancels the commands running: a command
    // begun before the pause is cancelled and recorded, none begins after it (nothing is awaited between
    // this check and the command's start).
    if (paused) return { target: target.kind, failure: SERVER_STOPPED, stopped: true };
    if (target.kind === "command") {
      return { target: target.kind, ...(await toCommand(target, endpoint.tenantId, job, message, trace)) };
    }
    const failure =
      target.kind === "https"
        ? await toHttps(target.url, endpoint.sealedSigningSecret, job, message, trace)
        : "TARGET_UNSUPPORTED";
    return { target: target.kind, failure };
  }

  /** Works one job: its result for pg-boss, counted by target kind and result. */
  async function deliver(job: DeliveryJob): Promise<JobResult> {
    // A traced delivery's job continues its trace: the attempt is a child of the receive span.
    const traced =
      deps.tracing === undefined || job.data.traceparent === undefined
        ? undefined
        : deps.tracing.start(
            "webhook delivery",
            {
              kind: SpanKind.CONSUMER,
              attributes: {
                "patchbay.webhook.target": job.data.targetKind,
                "patchbay.webhook.attempt": job.retryCount + 1,
              },
            },
            deps.tracing.extract((name) => (name === "traceparent" ? job.data.traceparent : undefined)),
          );
    const run = () => attempt(job, traced?.context);
    const done = await (traced === undefined || deps.tracing === undefined
      ? run()
      : deps.tracing.run(traced.context, run)
    ).catch((): Attempt => ({ target: job.data.targetKind, failure: "DELIVERY_ERROR" }));
    if (traced !== undefined) {
      if (done.failure !== undefined) failSpan(traced.span, done.failure);
      traced.span.end();
    }
    const output = { code: done.failure };
    // Settled here: pg-boss's settle of the result below is fenced to this attempt and then changes nothing.
    if (done.stopped === true && (await requeueStoppedJob(deps, DELIVERY_QUEUE, job, output))) {
      return { id: job.id, status: "failed", output };
    }
    if (done.target !== "pull") {
      // pg-boss retries a failed job while its retry count is below its limit, else it is dead.
      const result = done.skipped
        ? "skipped"
        : done.failure === undefined
          ? "success"
          : job.retryCount < job.retryLimit
            ? "retry"
            : "dead";
      deps.metrics?.delivered(done.target, result);
    }
    if (done.skipped) return { id: job.id, status: "completed", output: { code: "ENDPOINT_DELETED" } };
    if (done.failure === undefined) return { id: job.id, status: "completed", output: {} };
    return { id: job.id, status: "failed", output };
  }

  async function toHttps(
    url: string,
    sealedSecret: string | null,
    job: { data: WebhookJobData; signal: AbortSignal },
    message: WebhookEvent,
    trace: Context | undefined,
  ): Promise<string | undefined> {
    if (sealedSecret === null) return "TARGET_UNSUPPORTED";
    const now = deps.now();
    const outbound =
      trace === undefined || deps.tracing === undefined
        ? deps.outbound
        : traceOutbound(deps.outbound, deps.tracing, trace);
    return deliverHttps(outbound, {
      url,
      signingSecret: deps.secretBox
        .open(sealedSecret, signingSecretContext(job.data.endpointId))
        .toString("utf8"),
      eventId: message.id,
      body: JSON.stringify({
        type: message.eventKey,
        timestamp: now.toISOString(),
        data: toJson(WebhookEventSchema, message),
      }),
      signal: job.signal,
      now,
    });
  }

  /** Runs the endpoint's command with `{event}` as params, as the connection's owner (seed 002's event-based actions). */
  async function toCommand(
    target: Extract<StoredTarget, { kind: "command" }>,
    tenantId: string,
    job: { data: WebhookJobData; signal: AbortSignal },
    message: WebhookEvent,
    trace: Context | undefined,
  ): Promise<Omit<Attempt, "target">> {
    const principal: Principal = {
      keyId: `webhook-endpoint:${job.data.endpointId}`,
      tenantId,
      subject: target.subject,
      scopes: ["execute"],
      rateTier: "default",
    };
    try {
      const outcome = await run(principal, {
        connectionId: target.connectionId,
        command: target.command,
        params: { event: toJson(WebhookEventSchema, message) as JsonObject },
        timeoutMs: COMMAND_TIMEOUT_MS,
        signal: job.signal,
        protocol: "webhook",
        ...(trace === undefined ? {} : { trace }),
      });
      if (outcome.result.success) return { failure: undefined };
      if (outcome.stoppedByServer === true) return { failure: SERVER_STOPPED, stopped: true };
      return {
        failure:
          outcome.result.errorCode ?? `COMMAND_${(outcome.failureClass ?? "command_failed").toUpperCase()}`,
      };
    } catch (error) {
      // The connection or connector cannot run: not found, not active, unavailable.
      return {
        failure:
          error instanceof ConnectError ? `COMMAND_${codeName(error.code).toUpperCase()}` : "COMMAND_ERROR",
      };
    }
  }

  const workerId = await boss.work<WebhookJobData, unknown, typeof WORK_OPTIONS>(
    DELIVERY_QUEUE,
    WORK_OPTIONS,
    async (jobs) => Promise.all(jobs.map(deliver)),
  );
  return {
    pause() {
      paused = true;
      // offWork marks every worker of this work() call stopping before it returns (pg-boss's Worker.stop
      // sets it synchronously), so none fetches again; a fetch already sent still hands its jobs over.
      boss
        .offWork(DELIVERY_QUEUE, { id: workerId, wait: false })
        .catch((error: unknown) =>
          deps.logger.warn({ err: error }, "the webhook delivery worker did not pause"),
        );
    },
    stop: () => boss.offWork(DELIVERY_QUEUE, { id: workerId, wait: true }),
  };
}
