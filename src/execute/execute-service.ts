import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { type ExecuteRequest, ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { type Principal, principalKey } from "../auth/index.ts";
import type { ConnectorView } from "../catalog/index.ts";
import { resolvePageSize } from "../paging/index.ts";
import type { ExecuteDeps } from "./execute-deps.ts";
import { ExecutionEntity } from "./execution-entity.ts";
import { toExecutionMessage } from "./execution-message.ts";
import { type RunOutcome, recordOf, requestHash, runCommand, toError, toResponse } from "./run-command.ts";
import { createExternalClients } from "./run-external.ts";

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function caller(ctx: HandlerContext): Principal {
  const principal = ctx.values.get(principalKey);
  if (principal === undefined) throw new ConnectError("no principal on an authenticated call", Code.Internal);
  return principal;
}

/** Registers `patchbay.v1.ExecuteService`. */
export function registerExecute(router: ConnectRouter, deps: ExecuteDeps): void {
  const now = () => (deps.now ?? (() => new Date()))();
  const externalClients = createExternalClients();

  async function resolveTarget(principal: Principal, req: ExecuteRequest) {
    if (req.target.case === "connectorSlug") {
      const connector = await deps.lookup(req.target.value);
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
    const connector = await deps.lookup(connection.connectorSlug);
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
      const principal = caller(ctx);
      if (req.command.length > 128)
        throw new ConnectError("command must be at most 128 characters", Code.InvalidArgument);
      const key = req.metadata?.idempotencyKey ?? "";
      if (key.length > 128)
        throw new ConnectError("idempotency_key must be at most 128 characters", Code.InvalidArgument);
      const { connector, connectionId, credentials } = await resolveTarget(principal, req);
      checkAvailable(connector);

      if (key === "") {
        const outcome = await runCommand(
          deps,
          externalClients,
          ctx,
          connector,
          req,
          credentials,
          deps.webhookRegistrar?.(principal, connector.slug, connectionId),
        );
        deps.recorder.record(recordOf(deps, principal, connector, req, connectionId, outcome));
        if (outcome.result.success) return toResponse(outcome);
        throw toError(outcome);
      }

      // Idempotent: claim the key with a synchronous row before running, so replicas agree.
      const hash = requestHash(req);
      const em = deps.em();
      const existing = await em.findOne(ExecutionEntity, {
        tenantId: principal.tenantId,
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
      });
      try {
        await em.flush();
      } catch (error) {
        if (!/unique|duplicate/i.test(String(error))) throw error;
        const winner = await deps
          .em()
          .findOne(ExecutionEntity, { tenantId: principal.tenantId, idempotencyKey: key });
        if (winner === null) throw error;
        return replay(winner, hash);
      }
      const outcome = {
        ...(await runCommand(
          deps,
          externalClients,
          ctx,
          connector,
          req,
          credentials,
          deps.webhookRegistrar?.(principal, connector.slug, connectionId),
        )),
        executionId: claim.id,
      };
      Object.assign(claim, recordOf(deps, principal, connector, req, connectionId, outcome), {
        requestHash: hash,
        createdAt: claim.createdAt,
        result: outcome as unknown as Record<string, unknown>,
      });
      await em.flush();
      if (outcome.result.success) return toResponse(outcome);
      throw toError(outcome);
    },

    async listExecutions(req, ctx) {
      const principal = caller(ctx);
      const pageSize = resolvePageSize(req.pageSize);
      if (req.status !== "" && !["succeeded", "failed", "running"].includes(req.status)) {
        throw new ConnectError("status must be one of succeeded, failed, running", Code.InvalidArgument);
      }
      if (req.connectionId !== "" && !UUID.test(req.connectionId)) {
        throw new ConnectError("connection_id must be a UUID", Code.InvalidArgument);
      }
      const filter = {
        connectorSlug: req.connectorSlug,
        connectionId: req.connectionId,
        status: req.status,
        start: req.startTime ? timestampDate(req.startTime).toISOString() : "",
        end: req.endTime ? timestampDate(req.endTime).toISOString() : "",
      };
      await deps.recorder.flush();
      const where: Record<string, unknown> = { tenantId: principal.tenantId };
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
      const principal = caller(ctx);
      if (!UUID.test(req.id)) throw new ConnectError("id must be a UUID", Code.InvalidArgument);
      await deps.recorder.flush();
      const row = await deps
        .em()
        .findOne(ExecutionEntity, { id: req.id.toLowerCase(), tenantId: principal.tenantId });
      if (row === null) throw new ConnectError("execution not found", Code.NotFound);
      return { execution: toExecutionMessage(row) };
    },
  });
}
