import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { hasScope, type Principal, requirePrincipal } from "../auth/index.ts";
import { resolvePageSize } from "../paging/index.ts";
import { isUuid } from "../protocol/is-uuid.ts";
import { checkCreateEndpoint } from "./endpoints/check-create-endpoint.ts";
import { changeEndpoint } from "./endpoints/endpoint-changes.ts";
import { toEndpointMessage } from "./endpoints/endpoint-message.ts";
import {
  ENDPOINT_COLUMNS,
  type EndpointRow,
  endpointFromSql,
  endpointSecretContext,
  verifyTokenContext,
} from "./endpoints/endpoint-row.ts";
import { insertEndpoint } from "./endpoints/insert-endpoint.ts";
import { EVENT_COLUMNS, toEventMessage } from "./event-message.ts";
import { claimJobs, settleClaimedJob } from "./jobs/claim-jobs.ts";
import { BOSS_STATES, JOB_COLUMNS, toJobMessage, WEBHOOK_QUEUES } from "./jobs/job-row.ts";
import { keysetPager } from "./keyset-pager.ts";
import { checkMetaHandshake, verifierFor } from "./providers/index.ts";
import { receiveDelivery } from "./receiver/receive-delivery.ts";
import type { WebhookDeps } from "./webhook-deps.ts";

/** REST: the handler asks the bridge for this status (declared in the proto's `rest` option). */
const HTTP_STATUS_HEADER = "x-patchbay-http-status";

/** Registers WebhookService: endpoints, the public receiver, events and jobs. */
export function registerWebhooks(router: ConnectRouter, deps: WebhookDeps): void {
  const { query } = deps;

  async function loadEndpoint(tenantId: string, id: string): Promise<EndpointRow> {
    const { rows } = await query(
      `select ${ENDPOINT_COLUMNS} from webhook_endpoints where id = $1 and tenant_id = $2 and deleted_at is null`,
      [id, tenantId],
    );
    if (rows.length === 0) throw new ConnectError("webhook endpoint not found", Code.NotFound);
    return endpointFromSql(rows[0] as Record<string, unknown>);
  }

  /** Accepted events and dead jobs per endpoint, for the given ids. */
  async function tallies(ids: string[]): Promise<Map<string, { accepted: number; failed: number }>> {
    const result = new Map(ids.map((id) => [id, { accepted: 0, failed: 0 }]));
    if (ids.length === 0) return result;
    const accepted = await query(
      "select endpoint_id, count(*)::int as n from webhook_events where endpoint_id = any($1::uuid[]) group by endpoint_id",
      [ids],
    );
    for (const row of accepted.rows as { endpoint_id: string; n: number }[]) {
      const entry = result.get(String(row.endpoint_id));
      if (entry) entry.accepted = Number(row.n);
    }
    const failed = await query(
      `select j.data->>'endpointId' as endpoint_id, count(*)::int as n from pgboss.job j
        where ${WEBHOOK_QUEUES} and j.state = 'failed' and j.data->>'endpointId' = any($1::text[])
        group by 1`,
      [ids],
    );
    for (const row of failed.rows as { endpoint_id: string; n: number }[]) {
      const entry = result.get(String(row.endpoint_id));
      if (entry) entry.failed = Number(row.n);
    }
    return result;
  }

  /** The endpoint as stored now, counters written first (one read of the row). */
  /**
   * An endpoint whose target runs a command on a connection runs with that connection owner's
   * credentials: only that subject, or an admin key, may change it (rotate its secret, delete it) or
   * run one of its jobs again. Otherwise a colleague with `webhooks:admin` could set the secret, sign
   * forged deliveries, and run the owner's command with data of their choosing.
   */
  function requireOwnerOfCommand(principal: Principal, target: { kind: string; subject?: string }): void {
    if (target.kind !== "command" || hasScope(principal.scopes, "admin")) return;
    if (target.subject !== principal.subject) {
      throw new ConnectError(
        "this endpoint runs a command on another user's connection: only that user or an admin key may change it",
        Code.PermissionDenied,
      );
    }
  }

  async function endpointMessage(tenantId: string, id: string) {
    await deps.counters.flush();
    const row = await loadEndpoint(tenantId, id);
    const counted = (await tallies([row.id])).get(row.id) ?? { accepted: 0, failed: 0 };
    return toEndpointMessage(row, deps.publicUrl, counted, deps.now());
  }

  async function jobRow(tenantId: string, jobId: string): Promise<Record<string, unknown>> {
    const { rows } = await query(
      `select ${JOB_COLUMNS} from pgboss.job j where ${WEBHOOK_QUEUES} and j.id = $1 and j.data->>'tenantId' = $2`,
      [jobId, tenantId],
    );
    if (rows.length === 0) throw new ConnectError("job not found", Code.NotFound);
    return rows[0] as Record<string, unknown>;
  }

  router.service(WebhookService, {
    async createEndpoint(req, ctx) {
      const principal = requirePrincipal(ctx);
      const id = await insertEndpoint(deps, principal, checkCreateEndpoint(req));
      return { endpoint: await endpointMessage(principal.tenantId, id) };
    },

    async listEndpoints(req, ctx) {
      const principal = requirePrincipal(ctx);
      const filter = { provider: req.provider, connectorSlug: req.connectorSlug };
      const pager = keysetPager(
        deps.pageTokens,
        "webhook-endpoints",
        filter,
        req.pageToken,
        resolvePageSize(req.pageSize),
        "created_at",
        "id",
      );
      const values: unknown[] = [principal.tenantId, req.provider, req.connectorSlug];
      const { rows } = await query(
        `select ${ENDPOINT_COLUMNS}, ${pager.select} from webhook_endpoints
          where tenant_id = $1 and deleted_at is null and ($2 = '' or provider = $2) and ($3 = '' or connector_slug = $3)
          ${pager.after(values)}
          order by created_at desc, id desc ${pager.limit(values)}`,
        values,
      );
      await deps.counters.flush();
      const found = pager.finish(rows as Record<string, unknown>[]);
      const page = found.page.map(endpointFromSql);
      const counted = await tallies(page.map((row) => row.id));
      const now = deps.now();
      return {
        endpoints: page.map((row) =>
          toEndpointMessage(row, deps.publicUrl, counted.get(row.id) ?? { accepted: 0, failed: 0 }, now),
        ),
        nextPageToken: found.next,
      };
    },

    async getEndpoint(req, ctx) {
      const principal = requirePrincipal(ctx);
      return {
        endpoint: await endpointMessage(principal.tenantId, req.endpointId),
      };
    },

    async deleteEndpoint(req, ctx) {
      const principal = requirePrincipal(ctx);
      const row = await loadEndpoint(principal.tenantId, req.endpointId);
      requireOwnerOfCommand(principal, row.target);
      await changeEndpoint(deps, row.id, "update webhook_endpoints set deleted_at = $2 where id = $1", [
        deps.now(),
      ]);
      deps.logger.info({ endpointId: row.id }, "webhook endpoint deleted");
      return {};
    },

    async rotateEndpointSecret(req, ctx) {
      const principal = requirePrincipal(ctx);
      const row = await loadEndpoint(principal.tenantId, req.endpointId);
      requireOwnerOfCommand(principal, row.target);
      const verifier = verifierFor(row.provider);
      const reason = verifier?.checkSecret(req.secret);
      if (reason !== undefined) throw new ConnectError(`secret: ${reason}`, Code.InvalidArgument);
      const now = deps.now();
      const graceEnds =
        req.gracePeriodSeconds > 0 ? new Date(now.getTime() + req.gracePeriodSeconds * 1000) : null;
      await changeEndpoint(
        deps,
        row.id,
        `update webhook_endpoints set sealed_previous_secret = $2, previous_secret_expires_at = $3,
           sealed_secret = $4, secret_rotated_at = $5 where id = $1`,
        [
          graceEnds === null ? null : row.sealedSecret,
          graceEnds,
          deps.secretBox.seal(req.secret, endpointSecretContext(row.id)),
          now,
        ],
      );
      deps.logger.info(
        { endpointId: row.id, graceSeconds: req.gracePeriodSeconds },
        "webhook secret rotated",
      );
      return { endpoint: await endpointMessage(row.tenantId, row.id) };
    },

    async receiveEvent(req, ctx) {
      const url = new URL(ctx.url);
      const publicUrl = `${deps.publicUrl.replace(/\/+$/, "")}${url.pathname}${url.search}`;
      const outcome = await receiveDelivery(deps, req.provider, req.endpointId, {
        body: req.body?.data ?? new Uint8Array(),
        contentType: req.body?.contentType || (ctx.requestHeader.get("content-type") ?? ""),
        header: (name) => ctx.requestHeader.get(name) ?? undefined,
        url: publicUrl,
        now: deps.now(),
      });
      if (outcome.reply === undefined || outcome.reply.body.length === 0) {
        ctx.responseHeader.set(HTTP_STATUS_HEADER, "204");
        return { body: { contentType: outcome.reply?.contentType ?? "text/plain", data: new Uint8Array() } };
      }
      return { body: { contentType: outcome.reply.contentType, data: outcome.reply.body } };
    },

    async verifyEndpoint(req) {
      // Meta's subscription handshake: echo hub.challenge when hub.verify_token matches.
      const endpointId = req.endpointId;
      if (!isUuid(endpointId) || req.provider !== "whatsapp") {
        throw new ConnectError("unknown webhook endpoint", Code.NotFound);
      }
      const { rows } = await query(
        `select ${ENDPOINT_COLUMNS} from webhook_endpoints where id = $1 and provider = 'whatsapp' and deleted_at is null`,
        [endpointId],
      );
      if (rows.length === 0) throw new ConnectError("unknown webhook endpoint", Code.NotFound);
      const row = endpointFromSql(rows[0] as Record<string, unknown>);
      const expected =
        row.sealedVerifyToken === null
          ? ""
          : deps.secretBox.open(row.sealedVerifyToken, verifyTokenContext(row.id)).toString("utf8");
      const challenge = checkMetaHandshake(
        {
          mode: req.hub?.mode ?? "",
          challenge: req.hub?.challenge ?? "",
          verifyToken: req.hub?.verifyToken ?? "",
        },
        expected,
      );
      if (challenge === undefined) {
        deps.counters.rejected(row.id, "HANDSHAKE_FAILED", deps.now());
        throw new ConnectError("the verify token does not match (HANDSHAKE_FAILED)", Code.PermissionDenied);
      }
      if (!row.verified || row.lastErrorCode !== null) {
        // A successful handshake proves the setup: earlier failed attempts no longer make it "failing".
        await deps.counters.flush();
        await changeEndpoint(
          deps,
          row.id,
          "update webhook_endpoints set verified = true, last_error_code = null, last_error_at = null where id = $1",
        );
      }
      return { body: { contentType: "text/plain", data: new TextEncoder().encode(challenge) } };
    },

    async listEvents(req, ctx) {
      const principal = requirePrincipal(ctx);
      const row = await loadEndpoint(principal.tenantId, req.endpointId);
      const filter = { endpointId: row.id, eventKey: req.eventKey };
      const pager = keysetPager(
        deps.pageTokens,
        "webhook-events",
        filter,
        req.pageToken,
        resolvePageSize(req.pageSize),
        "e.received_at",
        "e.id",
      );
      const values: unknown[] = [row.id, req.eventKey];
      const { rows } = await query(
        `select ${EVENT_COLUMNS}, ${pager.select}, j.state as job_state from webhook_events e
           left join pgboss.job j on j.id = e.job_id and ${WEBHOOK_QUEUES}
          where e.endpoint_id = $1 and ($2 = '' or e.event_key = $2 or starts_with(e.event_key, $2 || '.')) ${pager.after(values)}
          order by e.received_at desc, e.id desc ${pager.limit(values)}`,
        values,
      );
      const withPayload = hasScope(principal.scopes, "webhooks:payload")
        ? { secretBox: deps.secretBox }
        : undefined;
      const { page, next } = pager.finish(rows as Record<string, unknown>[]);
      return {
        events: page.map((event) => toEventMessage(event, event.job_state, withPayload)),
        nextPageToken: next,
      };
    },

    async listJobs(req, ctx) {
      const principal = requirePrincipal(ctx);
      const filter = { state: req.state, endpointId: req.endpointId };
      const pager = keysetPager(
        deps.pageTokens,
        "webhook-jobs",
        filter,
        req.pageToken,
        resolvePageSize(req.pageSize),
        "j.created_on",
        "j.id",
      );
      const values: unknown[] = [principal.tenantId, BOSS_STATES[req.state] ?? [], req.endpointId];
      const { rows } = await query(
        `select ${JOB_COLUMNS}, ${pager.select} from pgboss.job j
          where ${WEBHOOK_QUEUES} and j.data->>'tenantId' = $1
            and (cardinality($2::text[]) = 0 or j.state::text = any($2::text[]))
            and ($3 = '' or j.data->>'endpointId' = $3) ${pager.after(values)}
          order by j.created_on desc, j.id desc ${pager.limit(values)}`,
        values,
      );
      const { page, next } = pager.finish(rows as Record<string, unknown>[]);
      return { jobs: page.map(toJobMessage), nextPageToken: next };
    },

    async retryJob(req, ctx) {
      const principal = requirePrincipal(ctx);
      const row = await jobRow(principal.tenantId, req.jobId);
      if (row.state !== "failed") {
        throw new ConnectError("only a dead job can be retried", Code.FailedPrecondition);
      }
      const job = toJobMessage(row);
      if (job.targetKind === "command") {
        requireOwnerOfCommand(principal, (await loadEndpoint(principal.tenantId, job.endpointId)).target);
      }
      await deps.jobs.boss.retry(String(row.name), String(row.id));
      return { job: toJobMessage(await jobRow(principal.tenantId, String(row.id))) };
    },

    async claimJobs(req, ctx) {
      const principal = requirePrincipal(ctx);
      return claimJobs(deps, principal, req);
    },

    async ackJob(req, ctx) {
      const principal = requirePrincipal(ctx);
      const row = await jobRow(principal.tenantId, req.jobId);
      await settleClaimedJob(deps, row, req.leaseToken, { ack: true });
      return { job: toJobMessage(await jobRow(principal.tenantId, String(row.id))) };
    },

    async nackJob(req, ctx) {
      const principal = requirePrincipal(ctx);
      const row = await jobRow(principal.tenantId, req.jobId);
      await settleClaimedJob(deps, row, req.leaseToken, {
        ack: false,
        code: req.errorCode,
        retryAfterSeconds: req.retryAfterSeconds,
      });
      return { job: toJobMessage(await jobRow(principal.tenantId, String(row.id))) };
    },
  });
}
