import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type WebhookEvent, WebhookEventSchema } from "../../../gen/patchbay/v1/webhook_pb.ts";
import type { SecretBox } from "../../secrets/index.ts";
import { eventPayloadContext } from "../endpoints/endpoint-row.ts";
import { jobState } from "../jobs/job-row.ts";
import { sqlDate } from "../sql-date.ts";

/** Columns of `webhook_events e` that {@link toEventMessage} reads (the job's state comes separately). */
export const EVENT_COLUMNS =
  "e.id, e.endpoint_id, e.provider, e.provider_event_id, e.event_key, e.sealed_payload, e.received_at, e.job_id";

/** An event row as a message; the payload is opened only for callers allowed to see it. */
export function toEventMessage(
  row: Record<string, unknown>,
  bossState: unknown,
  payload: { secretBox: SecretBox } | undefined,
): WebhookEvent {
  const id = String(row.id);
  const received = sqlDate(row.received_at) ?? new Date(0);
  const opened =
    payload === undefined
      ? undefined
      : (JSON.parse(
          payload.secretBox.open(String(row.sealed_payload), eventPayloadContext(id)).toString("utf8"),
        ) as JsonObject);
  return create(WebhookEventSchema, {
    id,
    endpointId: String(row.endpoint_id),
    provider: String(row.provider),
    providerEventId: String(row.provider_event_id),
    eventKey: String(row.event_key),
    receiveTime: timestampFromDate(received),
    jobId: String(row.job_id),
    // A job already deleted by retention (long after it succeeded) shows as succeeded.
    jobState: bossState === null || bossState === undefined ? "succeeded" : jobState(bossState),
    ...(opened ? { payload: opened } : {}),
  });
}
