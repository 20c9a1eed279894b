import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { WebhookService } from "../../../gen/patchbay/v1/webhook_pb.ts";
import { requirePrincipal } from "../../auth/index.ts";
import { keysetPage, resolvePageSize } from "../../paging/index.ts";
import { requireEndpoint, requireOwnerOfCommand } from "../endpoints/require-endpoint.ts";
import type { WebhookDeps } from "../webhook-deps.ts";
import { claimJobs, settleClaimedJob } from "./claim-jobs.ts";
import { BOSS_STATES, toJobMessage } from "./job-row.ts";

/** The job RPCs of `WebhookService`: what the admin page and pull consumers use. */
export type JobHandlers = Pick<
  ServiceImpl<typeof WebhookService>,
  "listJobs" | "retryJob" | "claimJobs" | "ackJob" | "nackJob"
>;

/** Implements the job RPCs; every one acts on the caller's tenant's webhook jobs only. */
export function jobHandlers(deps: WebhookDeps): JobHandlers {
  const { jobStore } = deps;

  async function requireJob(tenantId: string, jobId: string): Promise<Record<string, unknown>> {
    const row = await jobStore.find(tenantId, jobId);
    if (row === undefined) throw new ConnectError("job not found", Code.NotFound);
    return row;
  }

  return {
    async listJobs(req, ctx) {
      const principal = requirePrincipal(ctx);
      // An own key only: "toString" and friends are not states.
      const states =
        req.state === "" ? [] : Object.hasOwn(BOSS_STATES, req.state) ? BOSS_STATES[req.state] : undefined;
      if (states === undefined) {
        throw new ConnectError(
          `state: must be one of ${Object.keys(BOSS_STATES).join(", ")}`,
          Code.InvalidArgument,
        );
      }
      const page = keysetPage(deps.pageTokens, {
        scope: "webhook-jobs",
        filter: { state: req.state, endpointId: req.endpointId },
        pageToken: req.pageToken,
        pageSize: resolvePageSize(req.pageSize),
      });
      const found = await jobStore.list(principal.tenantId, { states, endpointId: req.endpointId }, page);
      return { jobs: found.page.map(toJobMessage), nextPageToken: found.next };
    },

    async retryJob(req, ctx) {
      const principal = requirePrincipal(ctx);
      const row = await requireJob(principal.tenantId, req.jobId);
      if (row.state !== "failed") {
        throw new ConnectError("only a dead job can be retried", Code.FailedPrecondition);
      }
      const job = toJobMessage(row);
      if (job.targetKind === "command") {
        const endpoint = await requireEndpoint(deps.endpointStore, principal.tenantId, job.endpointId);
        requireOwnerOfCommand(principal, endpoint.target);
      }
      await deps.jobs.boss.retry(String(row.name), String(row.id));
      return { job: toJobMessage(await requireJob(principal.tenantId, String(row.id))) };
    },

    async claimJobs(req, ctx) {
      return claimJobs(deps, requirePrincipal(ctx), req);
    },

    async ackJob(req, ctx) {
      const principal = requirePrincipal(ctx);
      const row = await requireJob(principal.tenantId, req.jobId);
      await settleClaimedJob(deps, row, req.leaseToken, { ack: true });
      return { job: toJobMessage(await requireJob(principal.tenantId, String(row.id))) };
    },

    async nackJob(req, ctx) {
      const principal = requirePrincipal(ctx);
      const row = await requireJob(principal.tenantId, req.jobId);
      await settleClaimedJob(deps, row, req.leaseToken, {
        ack: false,
        code: req.errorCode,
        retryAfterSeconds: req.retryAfterSeconds,
      });
      return { job: toJobMessage(await requireJob(principal.tenantId, String(row.id))) };
    },
  };
}
