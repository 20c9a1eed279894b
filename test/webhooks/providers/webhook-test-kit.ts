import { expect } from "vitest";
import type {
  ProviderVerifier,
  VerifyContext,
  VerifyOutcome,
  WebhookDelivery,
} from "../../../src/webhooks/providers/index.ts";

/** The clock every provider test holds. */
export const NOW = new Date("2026-11-23T12:00:00.000Z");
export const NOW_S = Math.floor(NOW.getTime() / 1000);

/** What a test says about one delivery; everything but the body is optional. */
export interface DeliveryInit {
  readonly body: string | Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
  readonly contentType?: string;
  readonly url?: string;
  readonly now?: Date;
}

/** A {@link WebhookDelivery} with case-insensitive headers. */
export function delivery(init: DeliveryInit): WebhookDelivery {
  const headers = new Map(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    body: typeof init.body === "string" ? Buffer.from(init.body, "utf8") : init.body,
    contentType: init.contentType ?? "",
    header: (name) => headers.get(name.toLowerCase()),
    url: init.url ?? "https://patchbay.example/webhooks/ep_1",
    now: init.now ?? NOW,
  };
}

/** Narrows an outcome to an event, failing the test otherwise. */
export function expectEvent(outcome: VerifyOutcome): Extract<VerifyOutcome, { kind: "event" }> {
  if (outcome.kind !== "event") expect.fail(`expected an event, got ${JSON.stringify(outcome)}`);
  return outcome;
}

/** Narrows an outcome to a handshake, failing the test otherwise. */
export function expectHandshake(outcome: VerifyOutcome): Extract<VerifyOutcome, { kind: "handshake" }> {
  if (outcome.kind !== "handshake") expect.fail(`expected a handshake, got ${JSON.stringify(outcome)}`);
  return outcome;
}

/** The reply body as text. */
export function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("utf8");
}

const JUNK_BODIES: readonly Uint8Array[] = [
  new Uint8Array(0),
  Uint8Array.from({ length: 257 }, (_, i) => (i * 131 + 7) % 256),
  Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22]),
  Buffer.from("null"),
  Buffer.from("[]"),
  Buffer.from('{"a":'),
  Buffer.from("ssl_check=1&payload=%7B%22type%22"),
  Buffer.from(`{"x":"${"a".repeat(100_000)}"}`),
];

const JUNK_HEADER_VALUES: readonly string[] = [
  "",
  " ",
  "zz",
  "sha256=",
  "sha256=zz",
  "v0=",
  "t=,v1=",
  "t=1,v1=zz,v1",
  "Bearer ",
  "Bearer a.b.c",
  "\u0000\uffff",
  "ä".repeat(64),
  "f".repeat(128),
  "A".repeat(1_000_000),
];

/**
 * Every combination of junk bodies and junk values in the given headers is rejected: a rejected
 * outcome with a 4xx status, never a throw and never an event or handshake.
 */
export async function expectJunkRejected(
  verifier: ProviderVerifier,
  headerNames: readonly string[],
  secrets: readonly string[],
  context: VerifyContext = {},
): Promise<void> {
  for (const body of JUNK_BODIES) {
    for (const value of JUNK_HEADER_VALUES) {
      for (const contentType of ["", "application/json", "application/x-www-form-urlencoded"]) {
        const headers = Object.fromEntries(headerNames.map((name) => [name, value]));
        const outcome = await verifier.verify(delivery({ body, headers, contentType }), secrets, context);
        // Slack answers ssl_check before any signature check, by design.
        if (
          verifier.provider === "slack" &&
          outcome.kind === "handshake" &&
          text(body).startsWith("ssl_check=1")
        )
          continue;
        expect(outcome.kind, `${verifier.provider} ${JSON.stringify(value.slice(0, 20))}`).toBe("rejected");
        if (outcome.kind === "rejected") expect([400, 401, 403]).toContain(outcome.status);
      }
    }
  }
}
