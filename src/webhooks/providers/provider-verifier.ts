import type { JWTVerifyGetKey } from "jose";

/** The providers whose inbound webhooks Patchbay verifies. */
export type ProviderName =
  | "telegram"
  | "slack"
  | "discord"
  | "whatsapp"
  | "twilio"
  | "gmail"
  | "github"
  | "linear"
  | "stripe";

/** One delivery as received, before anything trusts it. */
export interface WebhookDelivery {
  /** Raw bytes exactly as received; every signature is over these, never a re-serialised parse. */
  readonly body: Uint8Array;
  /** The Content-Type header, "" when absent. */
  readonly contentType: string;
  /** Case-insensitive header lookup. */
  header(name: string): string | undefined;
  /** The public URL the provider called: PATCHBAY_PUBLIC_URL + path + query string (Twilio signs it). */
  readonly url: string;
  /** The clock, held by the caller so replay windows are testable. */
  readonly now: Date;
}

/** What a verifier may need beyond the delivery and the endpoint's secrets. */
export interface VerifyContext {
  /** Gmail only: resolves Google's signing keys (a jose JWTVerifyGetKey built from a configured JWKS). */
  readonly googleKeys?: JWTVerifyGetKey;
}

/** Why a delivery was turned away; safe to log and to answer with (never holds secrets or addresses). */
export type RejectCode =
  | "SIGNATURE_MISSING"
  | "SIGNATURE_MISMATCH"
  | "TIMESTAMP_STALE"
  | "MALFORMED_BODY"
  | "TOKEN_INVALID";

/** A body (and its content type) to answer the provider with. */
export interface WebhookReply {
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** The verdict on one delivery. */
export type VerifyOutcome =
  | { kind: "rejected"; code: RejectCode; status: 400 | 401 | 403 }
  /** Slack url_verification / ssl_check, Discord PING → PONG, GitHub ping: answered, never stored as events. */
  | { kind: "handshake"; reply: WebhookReply }
  | {
      kind: "event";
      /** The provider's id for this event, the same on every redelivery; the dedupe key. */
      providerEventId: string;
      /**
       * A second dedupe key, for providers whose scheme signs the body but not `providerEventId`
       * (GitHub's and Linear's delivery ids are plain headers): a digest of the verified signature, so a
       * captured delivery replayed under a fresh id is a duplicate rather than a new event.
       */
      replayKey?: string;
      /** Normalized "<provider>.<type>[.<action>]", segments of [a-z0-9_]. */
      eventKey: string;
      payload: Record<string, unknown>;
      /** What to answer instead of the default empty 2xx, when the provider expects something. */
      reply?: WebhookReply;
    };

/** Verifies and interprets one provider's deliveries; pure apart from the clock in the delivery. */
export interface ProviderVerifier {
  readonly provider: ProviderName;
  /** Why a secret given at CreateEndpoint is unusable for this provider (e.g. Discord needs a 64-hex Ed25519 public key, Stripe "whsec_..."), or undefined when fine. */
  checkSecret(secret: string): string | undefined;
  /** secrets: the current secret first, then the previous one while a rotation grace period runs; any may verify. */
  verify(
    delivery: WebhookDelivery,
    secrets: readonly string[],
    context: VerifyContext,
  ): Promise<VerifyOutcome>;
}
