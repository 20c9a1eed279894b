import type { JsonObject } from "@bufbuild/protobuf";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** The states of an execution record, in the order the API lists them. */
export const EXECUTION_STATUSES = ["succeeded", "failed", "running"] as const;

/** One of {@link EXECUTION_STATUSES}. */
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/**
 * One command execution. Params and payloads are not stored (they may hold personal data); diagnostics
 * are stored redacted. `reply` holds what an idempotent replay must answer again.
 */
export const ExecutionEntity = defineEntity({
  name: "Execution",
  tableName: "executions",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.text(),
    /** The subject of the key that ran it: records are the subject's (and admin keys'). */
    subject: p.text().default(""),
    keyId: p.text(),
    connectorSlug: p.text(),
    connectorVersion: p.text(),
    connectionId: p.uuid().nullable(),
    command: p.text(),
    status: p.text().$type<ExecutionStatus>(),
    code: p.text().nullable(),
    errorCode: p.text().nullable(),
    message: p.text().nullable(),
    durationMs: p.double(),
    diagnostics: p.json<Record<string, unknown>>().nullable(),
    stepId: p.text(),
    runId: p.text(),
    idempotencyKey: p.text().nullable(),
    requestHash: p.text().nullable(),
    /**
     * What an idempotent call answered, as the versions before m0014 stored it (their internal run
     * outcome). Read only to replay such calls within the idempotency window; written as null.
     */
    result: p.json<Record<string, unknown>>().nullable(),
    /** What an idempotent call answered, as proto JSON of its wire messages (see `stored-reply.ts`). */
    reply: p.json<JsonObject>().nullable(),
    params: p.json<Record<string, unknown>>().nullable(),
    payload: p.json<Record<string, unknown>>().nullable(),
    /** The command's deprecation notice when it was deprecated at the time of the run (m0015). */
    deprecation: p.text().nullable(),
    /** How the run was asked for: the caller's protocol (grpc, grpc-web, connect, rest, mcp) or webhook (m0017). */
    protocol: p.text().nullable(),
    /** The mock scenario that answered instead of the command; null for a real run (m0023). */
    mockScenario: p.text().nullable(),
    createdAt: p.datetime(),
  },
});

/** A row of `executions`. */
export type ExecutionRow = InferEntity<typeof ExecutionEntity>;
