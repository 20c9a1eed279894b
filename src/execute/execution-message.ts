import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Execution, ExecutionSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import type { ExecutionRow } from "./execution-entity.ts";

/** The API view of an execution record (diagnostics, params and payload already redacted when stored). */
export function toExecutionMessage(row: ExecutionRow): Execution {
  return create(ExecutionSchema, {
    id: row.id,
    connectorSlug: row.connectorSlug,
    connectorVersion: row.connectorVersion,
    connectionId: row.connectionId ?? "",
    command: row.command,
    status: row.status,
    code: row.code ?? "",
    errorCode: row.errorCode ?? "",
    message: row.message ?? "",
    durationMs: Number(row.durationMs),
    ...(row.diagnostics ? { diagnostics: row.diagnostics as JsonObject } : {}),
    ...(row.params ? { params: row.params as JsonObject } : {}),
    ...(row.payload ? { payload: row.payload as JsonObject } : {}),
    stepId: row.stepId,
    runId: row.runId,
    deprecation: row.deprecation ?? "",
    protocol: row.protocol ?? "",
    mockScenario: row.mockScenario ?? "",
    createTime: timestampFromDate(row.createdAt),
  });
}
