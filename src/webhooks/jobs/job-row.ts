import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Job, JobSchema } from "../../../gen/patchbay/v1/webhook_pb.ts";
import { sqlDate } from "../sql-date.ts";

/** pg-boss job states → the API's words. */
const STATE: Record<string, string> = {
  created: "queued",
  retry: "retrying",
  active: "running",
  completed: "succeeded",
  failed: "dead",
  cancelled: "dead",
};

/** The API's job states → pg-boss's. */
export const BOSS_STATES: Record<string, readonly string[]> = {
  queued: ["created"],
  retrying: ["retry"],
  running: ["active"],
  succeeded: ["completed"],
  dead: ["failed", "cancelled"],
};

/** A job state in the API's words. */
export function jobState(bossState: unknown): string {
  return STATE[String(bossState)] ?? "queued";
}

/** One `pgboss.job` row as a Job message. */
export function toJobMessage(row: Record<string, unknown>): Job {
  const data = (typeof row.data === "string" ? JSON.parse(row.data) : row.data) as Record<string, unknown>;
  const output = (typeof row.output === "string" ? JSON.parse(row.output) : row.output) as Record<
    string,
    unknown
  > | null;
  const state = jobState(row.state);
  const retryCount = Number(row.retry_count);
  const started = row.state !== "created";
  const next = sqlDate(row.start_after);
  const completed = sqlDate(row.completed_on);
  const code = output && typeof output.code === "string" ? output.code : "";
  return create(JobSchema, {
    id: String(row.id),
    eventId: String(data.eventId ?? ""),
    endpointId: String(data.endpointId ?? ""),
    state,
    attempts: started ? retryCount + 1 : 0,
    maxAttempts: Number(row.retry_limit) + 1,
    // pg-boss writes its own output for expired leases ("job timed out"): that is a lease loss.
    lastErrorCode: code !== "" ? code : state === "retrying" || state === "dead" ? "LEASE_EXPIRED" : "",
    ...(state === "retrying" && next ? { nextAttemptTime: timestampFromDate(next) } : {}),
    createTime: timestampFromDate(sqlDate(row.created_on) ?? new Date(0)),
    ...((state === "succeeded" || state === "dead") && completed
      ? { completeTime: timestampFromDate(completed) }
      : {}),
    targetKind: String(data.targetKind ?? ""),
  });
}
