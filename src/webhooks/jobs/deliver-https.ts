import type { OutboundClient } from "../../outbound/index.ts";
import { signStandardWebhook } from "../standard-webhooks/index.ts";

/** What one HTTPS delivery sends: the event id is the Standard Webhooks message id (idempotency key). */
export interface HttpsDelivery {
  readonly url: string;
  readonly signingSecret: string;
  readonly eventId: string;
  readonly body: string;
  readonly signal: AbortSignal;
  readonly now: Date;
}

/** How long a target gets to answer (Standard Webhooks suggests 15–30 s). */
const TARGET_TIMEOUT_MS = 15_000;

/**
 * POSTs an event to an HTTPS target through `outbound` (the server's client: egress policy, pinned DNS),
 * signed per Standard Webhooks with this attempt's timestamp. Returns undefined on a 2xx, else an operator-safe
 * failure code: `HTTPS_TARGET_<status>` or the outbound client's (`EGRESS_REFUSED`, `UPSTREAM_TIMEOUT`, …).
 */
export async function deliverHttps(
  outbound: OutboundClient,
  delivery: HttpsDelivery,
): Promise<string | undefined> {
  const headers = signStandardWebhook(delivery.signingSecret, delivery.eventId, delivery.now, delivery.body);
  try {
    const response = await outbound.request(delivery.url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": "Patchbay-Webhooks/1" },
      body: delivery.body,
      timeoutMs: TARGET_TIMEOUT_MS,
      signal: delivery.signal,
      // Standard Webhooks: a redirect is a failed delivery, not something to follow.
      followRedirects: false,
    });
    return response.status >= 200 && response.status < 300 ? undefined : `HTTPS_TARGET_${response.status}`;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === "string" && /^[A-Z_]+$/.test(code) ? code : "NETWORK";
  }
}
