import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type WebhookEndpoint, WebhookEndpointSchema } from "../../../gen/patchbay/v1/webhook_pb.ts";
import type { EndpointRow } from "./endpoint-row.ts";

/** Counts that live outside the endpoint row: accepted events and dead jobs. */
export interface EndpointTallies {
  readonly accepted: number;
  readonly failed: number;
}

/** The public receiver URL of an endpoint. */
export function endpointUrl(publicUrl: string, row: Pick<EndpointRow, "provider" | "id">): string {
  return `${publicUrl.replace(/\/+$/, "")}/api/v1/connectors/webhooks/${row.provider}/${row.id}`;
}

/**
 * "pending" until Meta's GET handshake succeeded (WhatsApp), "failing" while a job is dead or when the
 * latest delivery was rejected, else "active".
 */
export function endpointStatus(row: EndpointRow, deadJobs: number): string {
  if (row.provider === "whatsapp" && !row.verified) return "pending";
  if (deadJobs > 0) return "failing";
  if (row.lastErrorAt !== null && (row.lastEventAt === null || row.lastErrorAt > row.lastEventAt))
    return "failing";
  return "active";
}
/** An endpoint as the API shows it: no secret, only when it was rotated and how long the old one lasts. */
export function toEndpointMessage(
  row: EndpointRow,
  publicUrl: string,
  tallies: EndpointTallies,
  now: Date,
): WebhookEndpoint {
  const target = row.target;
  return create(WebhookEndpointSchema, {
    id: row.id,
    provider: row.provider,
    connectorSlug: row.connectorSlug,
    connectionId: row.connectionId ?? "",
    url: endpointUrl(publicUrl, row),
    status: endpointStatus(row, tallies.failed),
    target: {
      kind:
        target.kind === "https"
          ? { case: "https", value: { url: target.url, signingSecret: "" } }
          : target.kind === "command"
            ? { case: "command", value: { connectionId: target.connectionId, command: target.command } }
            : { case: "pull", value: {} },
    },
    counts: {
      accepted: tallies.accepted,
      duplicate: row.duplicateCount,
      rejected: row.rejectedCount,
      failed: tallies.failed,
    },
    ...(row.lastEventAt ? { lastEventTime: timestampFromDate(row.lastEventAt) } : {}),
    lastErrorCode: row.lastErrorCode ?? "",
    ...(row.secretRotatedAt ? { secretRotateTime: timestampFromDate(row.secretRotatedAt) } : {}),
    ...(row.previousSecretExpiresAt && row.previousSecretExpiresAt > now
      ? { previousSecretExpireTime: timestampFromDate(row.previousSecretExpiresAt) }
      : {}),
    createTime: timestampFromDate(row.createdAt),
  });
}
