import { createHmac } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { checkSigningSecret, signingKeyOf } from "./signing-secret.ts";

/** The three Standard Webhooks headers of one delivery attempt. */
export interface StandardWebhookHeaders {
  /** The message id, the same on every retry: the receiver's idempotency key. */
  readonly "webhook-id": string;
  /** Unix seconds of this attempt. */
  readonly "webhook-timestamp": string;
  /** "v1," + base64 HMAC-SHA256 (receivers also accept a space-separated list of these). */
  readonly "webhook-signature": string;
}

/**
 * Signs one outbound delivery per Standard Webhooks v1: HMAC-SHA256 keyed with the base64-decoded
 * part of the `whsec_` secret over `id + "." + timestamp + "." + body`. The body must be the exact
 * bytes sent. Throws InvalidArgument for an unusable secret, or an id containing "." (the spec
 * forbids it: it would make the signed content ambiguous).
 */
export function signStandardWebhook(
  secret: string,
  messageId: string,
  timestamp: Date,
  body: string | Uint8Array,
): StandardWebhookHeaders {
  const problem = checkSigningSecret(secret);
  const key = signingKeyOf(secret);
  if (problem !== undefined || key === undefined) {
    throw new ConnectError(problem ?? "signing secret is unusable", Code.InvalidArgument);
  }
  if (messageId.length === 0 || messageId.includes(".")) {
    throw new ConnectError("webhook message id must be non-empty and contain no '.'", Code.InvalidArgument);
  }
  const seconds = Math.floor(timestamp.getTime() / 1000);
  if (!Number.isSafeInteger(seconds)) {
    throw new ConnectError("webhook timestamp is invalid", Code.InvalidArgument);
  }
  const signature = createHmac("sha256", key)
    .update(`${messageId}.${seconds}.`)
    .update(body)
    .digest("base64");
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(seconds),
    "webhook-signature": `v1,${signature}`,
  };
}
