import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { type ExecuteRequest, ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { hasScope, type Principal, requirePrincipal } from "../auth/index.ts";
import type { ConnectorView } from "../catalog/index.ts";
import { resolvePageSize } from "../paging/index.ts";
import type { ExecuteDeps } from "./execute-deps.ts";
import { ExecutionEntity } from "./execution-entity.ts";
import { toExecutionMessage } from "./execution-message.ts";
import { type RunOutcome, recordOf, requestHash, runCommand, toError, toResponse } from "./run-command.ts";
import { createExternalClients } from "./run-external.ts";
import { storable } from "./storable.ts";

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

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
  const now = () => deps.now();
  const externalClients = createExternalClients(deps.outbound.guard);

  async function resolveTarget(principal: Principal, req: ExecuteRequest) {
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
    const connection = await deps.useConnection(principal, req.target.value);
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

  /** Replays a finished idempotent call, or refuses a conflicting or running one. */
  function replay(
    row: { requestHash?: string | null | undefined; result?: Record<string, unknown> | null | undefined },
    hash: string,
  ) {
    if (row.requestHash !== hash) {
      throw new ConnectError("idempotency_key was already used with a different request", Code.AlreadyExists);
    }
    if (row.result === null)
      throw new ConnectError("a call with this idempotency_key is still running", Code.Aborted);
    const outcome = row.result as unknown as RunOutcome;
    if (outcome.result.success) return toResponse(outcome);
    throw toError(outcome);
  }

  router.service(ExecuteService, {
    async execute(req, ctx) {
      const principal = requirePrincipal(ctx);
      const key = req.metadata?.idempotencyKey ?? "";
      const { connector, connectionId, credentials } = await resolveTarget(principal, req);
      checkAvailable(connector);

      const run = {
        tenantId: principal.tenantId,
        credentials,
        webhooks: deps.webhookRegistrar?.(principal, connector.slug, connectionId),
      };
      if (key === "") {
        const { outcome, scrubber } = await runCommand(deps, externalClients, ctx, connector, req, run);
        deps.recorder.record(recordOf(deps, principal, connector, req, connectionId, outcome, scrubber));
        if (outcome.result.success) return toResponse(outcome);
        throw toError(outcome);
      }

      // Idempotent: claim the key with a synchronous row before running, so replicas agree.
      const hash = requestHash(req);
      const em = deps.em();
      const existing = await em.findOne(ExecutionEntity, {
        tenantId: principal.tenantId,
        subject: principal.subject,
        idempotencyKey: key,
      });
      if (existing !== null) {
        if (now().getTime() - existing.createdAt.getTime() < IDEMPOTENCY_WINDOW_MS)
          return replay(existing, hash);
        existing.idempotencyKey = null; // expired: the key may be used again
        await em.flush();
      }
      const claim = em.create(ExecutionEntity, {
        ...recordOf(deps, principal, connector, req, connectionId, {
          executionId: crypto.randomUUID(),
          durationMs: 0,
          result: { success: true },
        }),
        status: "running",
        requestHash: hash,
        // Params are recorded (when the connector opts in) with the finished call, scrubbed of its secrets.
        params: null,
      });
      try {
        await em.flush();
      } catch (error) {
        if (!/unique|duplicate/i.test(String(error))) throw error;
        const winner = await deps.em().findOne(ExecutionEntity, {
          tenantId: principal.tenantId,
          subject: principal.subject,
          idempotencyKey: key,
        });
        if (winner === null) throw error;
        return replay(winner, hash);
      }
      const ran = await runCommand(deps, externalClients, ctx, connector, req, run);
      const outcome = { ...ran.outcome, executionId: claim.id };
      // The command's output may hold text PostgreSQL refuses (U+0000): what is stored is cleaned, so the
      // key is never left "still running" by a write that failed after the command ran.
      Object.assign(
        claim,
        storable(recordOf(deps, principal, connector, req, connectionId, outcome, ran.scrubber)),
        {
          requestHash: hash,
          createdAt: claim.createdAt,
          result: storable(outcome) as unknown as Record<string, unknown>,
        },
      );
      await em.flush();
      if (outcome.result.success) return toResponse(outcome);
      throw toError(outcome);
    },

    async listExecutions(req, ctx) {
      const principal = requirePrincipal(ctx);
      const pageSize = resolvePageSize(req.pageSize);
      const filter = {
        connectorSlug: req.connectorSlug,
        connectionId: req.connectionId,
        status: req.status,
        start: req.startTime ? timestampDate(req.startTime).toISOString() : "",
        end: req.endTime ? timestampDate(req.endTime).toISOString() : "",
      };
      await deps.recorder.flush();
      const where: Record<string, unknown> = ownRecords(principal);
      if (filter.connectorSlug !== "") where.connectorSlug = filter.connectorSlug;
      if (filter.connectionId !== "") where.connectionId = filter.connectionId;
      if (filter.status !== "") where.status = filter.status;
      const created: Record<string, Date> = {};
      if (filter.start !== "") created.$gte = new Date(filter.start);
      if (filter.end !== "") created.$lt = new Date(filter.end);
      if (Object.keys(created).length > 0) where.createdAt = created;
      if (req.pageToken !== "") {
        const cursor = deps.pageTokens.decode("executions", filter, req.pageToken);
        const at = new Date(String(cursor.at));
        where.$and = [
          { $or: [{ createdAt: { $lt: at } }, { createdAt: at, id: { $lt: String(cursor.id) } }] },
        ];
      }
      const rows = await deps.em().find(ExecutionEntity, where, {
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        limit: pageSize + 1,
      });
      const page = rows.slice(0, pageSize);
      const last = page.at(-1);
      return {
        executions: page.map(toExecutionMessage),
        nextPageToken:
          rows.length > pageSize && last !== undefined
            ? deps.pageTokens.encode("executions", filter, { at: last.createdAt.toISOString(), id: last.id })
            : "",
      };
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
