import type { WebhookReply } from "./provider-verifier.ts";

/** An empty body: the provider wants only a 2xx (the HTTP layer may answer 204 for it). */
export const EMPTY_REPLY: WebhookReply = { contentType: "text/plain", body: new Uint8Array(0) };

/** A text/plain reply. */
export function textReply(text: string): WebhookReply {
  return { contentType: "text/plain; charset=utf-8", body: Buffer.from(text, "utf8") };
}

/** An application/json reply. */
export function jsonReply(value: unknown): WebhookReply {
  return { contentType: "application/json", body: Buffer.from(JSON.stringify(value), "utf8") };
}
