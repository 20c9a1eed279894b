import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { type Context, SpanKind } from "@opentelemetry/api";
import { type ExecuteRequest, ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { hasScope, type Principal, requirePrincipal } from "../auth/index.ts";
import type { ConnectorView } from "../catalog/index.ts";
import {
  containsPattern,
  keysetOrderBy,
  keysetPage,
  keysetWhere,
  orderDirection,
  resolvePageSize,
} from "../paging/index.ts";
import { codeName } from "../protocol/errors.ts";
import { DEPRECATED_HEADER } from "../protocol/headers.ts";
import { requestInfoKey } from "../protocol/request-info.ts";
import type { SecretScrubber } from "../secrets/index.ts";
import { failSpan, type Tracing, traceContextKey } from "../tracing/index.ts";
import { commandDeprecation, deprecationHeaderValue } from "./command-deprecation.ts";
import type { ExecuteDeps } from "./execute-deps.ts";
import { answer, replyOf } from "./execute-reply.ts";
import { ExecutionEntity } from "./execution-entity.ts";
import { toExecutionMessage } from "./execution-message.ts";
import type { PendingRecord } from "./execution-recorder.ts";
import { createIdempotencyKeys } from "./idempotency.ts";
import { recordOf } from "./record-of.ts";
import { type RunOutcome, requestHash, runCommand } from "./run-command.ts";

/**
 * The execution records a caller may read: its own subject's, or every subject's of its tenant with an
 * admin key. Records carry diagnostics and (opted in) payloads of one person's connection.
 */
function ownRecords(principal: Principal): { tenantId: string; subject?: string } {
  return hasScope(principal.scopes, "admin")
    ? { tenantId: principal.tenantId }
    : { tenantId: principal.tenantId, subject: principal.subject };
}

/** Registers `patchbay.v1.ExecuteService`. */
export function registerExecute(router: ConnectRouter, deps: ExecuteDeps): void {
  const idempotencyKeys = createIdempotencyKeys(deps);

  async function resolveTarget(principal: Principal, req: ExecuteRequest, trace: Context | undefined) {
    // A mocked call reads no credentials (nor refreshes a token), but its connection is checked alike.
    const mocked = (req.metadata?.mockScenario ?? "") !== "";
    if (req.target.case === "connectorSlug") {
      const connector = await deps.lookup(principal.tenantId, req.target.value);
      if (connector === undefined) throw new ConnectError("connector not found", Code.NotFound);
      if (connector.authType !== "none") {
        throw new ConnectError(
          "this connector needs a connection: execute it with connection_id",
          Code.InvalidArgument,
        );
      }
      return { connector, connectionId: null, credentials: {} };
    }
    if (req.target.case !== "connectionId") {
      throw new ConnectError("connection_id or connector_slug is required", Code.InvalidArgument);
    }
    const connection = await deps.useConnection(principal, req.target.value, trace, {
      credentials: !mocked,
    });
    const connector = await deps.lookup(principal.tenantId, connection.connectorSlug);
    if (connector === undefined)
      throw new ConnectError("the connector of this connection was deleted", Code.FailedPrecondition);
    return { connector, connectionId: connection.id, credentials: connection.credentials };
  }

  function checkAvailable(connector: ConnectorView): void {
    if (connector.availability !== "available") {
      throw new ConnectError(
        `connector is not available (${connector.availability})`,
        Code.FailedPrecondition,
      );
    }
  }

  /** One Execute call, whose record `pending` waits for (the claim's own row, for an idempotent call). */
  async function execute(req: ExecuteRequest, ctx: HandlerContext, pending: PendingRecord) {
    const principal = requirePrincipal(ctx);
    const key = req.metadata?.idempotencyKey ?? "";
    const { connector, connectionId, credentials } = await traced(
      deps.tracing,
      ctx.values.get(traceContextKey),
      "resolve connector",
      () => resolveTarget(principal, req, ctx.values.get(traceContextKey)),
    );
    checkAvailable(connector);
    // Set before the command runs, so a failure and an idempotent replay carry it as well. A response
    // header reaches every protocol: Connect and REST as an HTTP header, gRPC as leading metadata.
    const deprecation = commandDeprecation(connector, req.command);
    if (deprecation !== undefined)
      ctx.responseHeader.set(DEPRECATED_HEADER, deprecationHeaderValue(deprecation));

    const run = {
      tenantId: principal.tenantId,
      credentials,
      webhooks: deps.webhookRegistrar?.(principal, connector.slug, connectionId),
      controller: pending.controller,
    };
    // The record says how the call came: grpc, grpc-web, connect or rest (the request's own info).
    const protocol = ctx.values.get(requestInfoKey)?.protocol ?? "connect";
    const toRecord = (outcome: RunOutcome, scrubber?: SecretScrubber) =>
      recordOf(deps, principal, connector, req, connectionId, outcome, scrubber, protocol);
    if (key === "") {
      const { outcome, scrubber } = await runCommand(deps, ctx, connector, req, run);
      pending.record(toRecord(outcome, scrubber));
      return answer(replyOf(outcome));
    }

    // Claimed with a synchronous row before the command runs, so replicas agree.
    const claim = await idempotencyKeys.claim(
      { tenantId: principal.tenantId, subject: principal.subject, key, requestHash: requestHash(req) },
      toRecord({ executionId: crypto.randomUUID(), durationMs: 0, result: { success: true } }),
    );
    if (claim.kind === "replay") {
      deps.metrics?.replayed();
      return answer(claim.reply);
    }
    const ran = await runCommand(deps, ctx, connector, req, run);
    const outcome = { ...ran.outcome, executionId: claim.executionId };
    const reply = replyOf(outcome);
    // A call the server's stop cut off is to be retried (elsewhere): the key is let go, not kept for the
    // SERVER_STOPPED answer, so that the retry runs the command.
    if (outcome.stoppedByServer === true) await claim.release(toRecord(outcome, ran.scrubber));
    else await claim.complete(toRecord(outcome, ran.scrubber), reply, outcome);
    return answer(reply);
  }

  router.service(ExecuteService, {
    // Tracked first: a stop waits for the call's record, cancelling its command if need be, whatever
    // step the call is at.
    execute: (req, ctx) => deps.recorder.track((pending) => execute(req, ctx, pending)),

    async listExecutions(req, ctx) {
      const principal = requirePrincipal(ctx);
      const pageSize = resolvePageSize(req.pageSize);
      const direction = orderDirection(req.orderBy, "desc");
      const filter = {
        connectorSlug: req.connectorSlug,
        connectionId: req.connectionId,
        status: req.status,
        start: req.startTime ? timestampDate(req.startTime).toISOString() : "",
        end: req.endTime ? timestampDate(req.endTime).toISOString() : "",
        q: req.q,
        command: req.command,
        errorCode: req.errorCode,
      };
      await deps.recorder.flush();
      // Every condition starts from the caller's own records: q and the order only narrow and sort them.
      const where: Record<string, unknown> = ownRecords(principal);
      if (filter.connectorSlug !== "") where.connectorSlug = filter.connectorSlug;
      if (filter.connectionId !== "") where.connectionId = filter.connectionId;
      if (filter.status !== "") where.status = filter.status;
      if (filter.command !== "") where.command = filter.command;
      if (filter.errorCode !== "") where.errorCode = filter.errorCode;
      const created: Record<string, Date> = {};
      if (filter.start !== "") created.$gte = new Date(filter.start);
      if (filter.end !== "") created.$lt = new Date(filter.end);
      if (Object.keys(created).length > 0) where.createdAt = created;
      const and: Record<string, unknown>[] = [];
      if (filter.q !== "") {
        const like = containsPattern(filter.q);
        and.push({
          $or: [
            { connectorSlug: { $ilike: like } },
            { command: { $ilike: like } },
            { errorCode: { $ilike: like } },
          ],
        });
      }
      const fields = { at: "createdAt", id: "id" };
      const paging = keysetPage(deps.pageTokens, {
        scope: "executions",
        filter,
        pageToken: req.pageToken,
        pageSize,
        direction,
      });
      if (paging.after !== undefined) and.push(keysetWhere(paging.after, fields, direction));
      if (and.length > 0) where.$and = and;
      const rows = await deps.em().find(ExecutionEntity, where, {
        orderBy: keysetOrderBy(direction, fields),
        limit: paging.limit,
      });
      const { page, next } = paging.finish(rows, (row) => ({ at: row.createdAt.toISOString(), id: row.id }));
      return { executions: page.map(toExecutionMessage), nextPageToken: next };
    },

    async getExecution(req, ctx) {
      const principal = requirePrincipal(ctx);
      await deps.recorder.flush();
      const row = await deps
        .em()
        .findOne(ExecutionEntity, { id: req.id.toLowerCase(), ...ownRecords(principal) });
      if (row === null) throw new ConnectError("execution not found", Code.NotFound);
      return { execution: toExecutionMessage(row) };
    },
  });
}

/** Runs `work` in a span named `name`, child of `parent`, when the call is traced; a failure ends it failed. */
async function traced<T>(
  tracing: Tracing | undefined,
  parent: Context | undefined,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  if (tracing === undefined || parent === undefined) return work();
  const { span, context } = tracing.start(name, { kind: SpanKind.INTERNAL }, parent);
  try {
    return await tracing.run(context, work);
  } catch (error) {
    failSpan(span, codeName(error instanceof ConnectError ? error.code : Code.Internal));
    throw error;
  } finally {
    span.end();
  }
}
