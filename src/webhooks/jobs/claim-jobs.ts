import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type ClaimedJob,
  ClaimedJobSchema,
  type ClaimJobsRequest,
  type ClaimJobsResponse,
} from "../../../gen/patchbay/v1/webhook_pb.ts";
import { hasScope, type Principal } from "../../auth/index.ts";
import { toEventMessage } from "../events/event-message.ts";
import type { WebhookDeps } from "../webhook-deps.ts";
import { pullQueue } from "./job-queue.ts";
import { toJobMessage } from "./job-row.ts";

const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** The lease token names the attempt it was issued for; AckJob and NackJob act only on that attempt. */
function leaseToken(retryCount: number): string {
  return `attempt-${retryCount}`;
}

/**
 * Leases up to `max_jobs` (default 10, at most 100) queued jobs of the caller's pull endpoints (or the
 * one given) for `lease_seconds` (default 60, at most 900). A job not acked or nacked before its lease
 * ends goes back to the queue (pg-boss's supervisor expires it) and counts as a failed attempt.
 */
export async function claimJobs(
  deps: WebhookDeps,
  principal: Principal,
  req: ClaimJobsRequest,
): Promise<ClaimJobsResponse> {
  const maxJobs = Math.min(100, req.maxJobs === 0 ? 10 : req.maxJobs);
  const lease = Math.min(900, req.leaseSeconds === 0 ? 60 : req.leaseSeconds);
  let endpointIds: string[];
  if (req.endpointId !== "") {
    const found = await deps.endpointStore.find(principal.tenantId, req.endpointId);
    if (found === undefined) throw new ConnectError("webhook endpoint not found", Code.NotFound);
    if (found.target.kind !== "pull") {
      throw new ConnectError(
        "the endpoint's jobs are delivered by the server, not claimed",
        Code.FailedPrecondition,
      );
    }
    endpointIds = [req.endpointId.toLowerCase()];
  } else {
    endpointIds = await deps.endpointStore.pullEndpointIds(principal.tenantId);
  }

  const withPayload = hasScope(principal.scopes, "webhooks:payload")
    ? { secretBox: deps.secretBox }
    : undefined;
  const claimed: ClaimedJob[] = [];
  for (const endpointId of endpointIds) {
    const remaining = maxJobs - claimed.length;
    if (remaining <= 0) break;
    const queue = pullQueue(endpointId);
    const jobs = await deps.jobs.boss.fetch(queue, { batchSize: remaining });
    if (jobs.length === 0) continue;
    const ids = jobs.map((job) => job.id);
    // pg-boss sets a job's lease when it is enqueued; the consumer's lease replaces it for this attempt.
    await deps.jobStore.setLease(queue, ids, lease);
    const leaseEnds = new Date(deps.now().getTime() + lease * 1000);
    const jobRows = await deps.jobStore.inQueue(queue, ids);
    const events = await deps.eventStore.ofJobs(ids);
    const eventByJob = new Map(events.map((event) => [String(event.job_id), event]));
    for (const row of jobRows) {
      const event = eventByJob.get(String(row.id));
      claimed.push(
        create(ClaimedJobSchema, {
          job: toJobMessage(row),
          ...(event ? { event: toEventMessage(event, "active", withPayload) } : {}),
          leaseToken: leaseToken(Number(row.retry_count)),
          leaseExpireTime: timestampFromDate(leaseEnds),
        }),
      );
    }
  }
  return { jobs: claimed } as ClaimJobsResponse;
}

/** Acks or nacks a claimed job, for the attempt its lease token names only. */
export async function settleClaimedJob(
  deps: WebhookDeps,
  row: Record<string, unknown>,
  token: string,
  outcome: { ack: true } | { ack: false; code: string; retryAfterSeconds: number },
): Promise<void> {
  const name = String(row.name);
  if (!name.startsWith("webhook-pull-")) {
    throw new ConnectError("the job is delivered by the server, not claimed", Code.FailedPrecondition);
  }
  if (!outcome.ack && outcome.code !== "" && !ERROR_CODE.test(outcome.code)) {
    throw new ConnectError("error_code: upper-case letters, digits and _, at most 64", Code.InvalidArgument);
  }
  const attempt = { id: String(row.id), retryCount: Number(row.retry_count) };
  if (row.state !== "active" || token !== leaseToken(attempt.retryCount)) {
    throw new ConnectError("the lease has ended or the token is not this job's", Code.FailedPrecondition);
  }
  const response = (
    outcome.ack
      ? await deps.jobs.boss.complete(name, attempt, {})
      : await deps.jobs.boss.fail(name, attempt, { code: outcome.code || "CONSUMER_NACK" })
  ) as { affected?: number };
  if (response.affected === 0) {
    throw new ConnectError("the lease has ended or the token is not this job's", Code.FailedPrecondition);
  }
  if (!outcome.ack && outcome.retryAfterSeconds > 0) {
    await deps.jobStore.delayRetry(name, attempt.id, Math.min(outcome.retryAfterSeconds, 86_400));
  }
}
