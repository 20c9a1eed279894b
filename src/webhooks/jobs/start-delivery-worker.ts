import { toJson } from "@bufbuild/protobuf";
import type { JobResult } from "pg-boss";
import { WebhookEventSchema } from "../../../gen/patchbay/v1/webhook_pb.ts";
import { signingSecretContext } from "../endpoints/endpoint-row.ts";
import { EVENT_COLUMNS, toEventMessage } from "../event-message.ts";
import type { WebhookDeps } from "../webhook-deps.ts";
import { deliverHttps } from "./deliver-https.ts";
import { DELIVERY_QUEUE, type WebhookJobData } from "./job-queue.ts";

/**
 * Works the delivery queue in this process: each job POSTs its event to the endpoint's HTTPS target.
 * A failure is retried by pg-boss with exponential backoff and jitter until the job is dead; a job
 * whose endpoint was deleted completes without delivering. Returns the stop function.
 */
export async function startDeliveryWorker(deps: WebhookDeps): Promise<() => Promise<void>> {
  const boss = deps.jobs.boss;

  async function deliver(job: { id: string; data: WebhookJobData; signal: AbortSignal }): Promise<JobResult> {
    const { rows: endpoints } = await deps.query(
      "select target, sealed_signing_secret from webhook_endpoints where id = $1 and deleted_at is null",
      [job.data.endpointId],
    );
    const endpoint = endpoints[0] as { target: unknown; sealed_signing_secret: string | null } | undefined;
    if (endpoint === undefined)
      return { id: job.id, status: "completed", output: { code: "ENDPOINT_DELETED" } };
    const target = (typeof endpoint.target === "string" ? JSON.parse(endpoint.target) : endpoint.target) as {
      kind: string;
      url?: string;
    };
    if (target.kind !== "https" || target.url === undefined || endpoint.sealed_signing_secret === null) {
      return { id: job.id, status: "failed", output: { code: "TARGET_UNSUPPORTED" } };
    }
    const { rows: events } = await deps.query(
      `select ${EVENT_COLUMNS} from webhook_events e where e.id = $1`,
      [job.data.eventId],
    );
    const event = events[0] as Record<string, unknown> | undefined;
    if (event === undefined) return { id: job.id, status: "failed", output: { code: "EVENT_MISSING" } };
    const message = toEventMessage(event, "active", { secretBox: deps.secretBox });
    const now = deps.now();
    const body = JSON.stringify({
      type: message.eventKey,
      timestamp: now.toISOString(),
      data: toJson(WebhookEventSchema, message),
    });
    const failure = await deliverHttps({
      url: target.url,
      signingSecret: deps.secretBox
        .open(endpoint.sealed_signing_secret, signingSecretContext(job.data.endpointId))
        .toString("utf8"),
      eventId: message.id,
      body,
      signal: job.signal,
      now,
    });
    if (failure === undefined) return { id: job.id, status: "completed", output: {} };
    return { id: job.id, status: "failed", output: { code: failure } };
  }

  const workerId = await boss.work<WebhookJobData>(
    DELIVERY_QUEUE,
    {
      batchSize: 16,
      localConcurrency: 2,
      pollingIntervalSeconds: 0.5,
      burstWhenBatchFull: true,
      perJobResults: true,
    },
    async (jobs) =>
      Promise.all(
        jobs.map((job) =>
          deliver(job).catch(
            (): JobResult => ({ id: job.id, status: "failed", output: { code: "DELIVERY_ERROR" } }),
          ),
        ),
      ),
  );
  return () => boss.offWork(DELIVERY_QUEUE, { id: workerId, wait: true });
}
