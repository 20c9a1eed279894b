import { randomUUIDv7 } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { type Context, ROOT_CONTEXT, SpanKind } from "@opentelemetry/api";
import type { WebhookMetrics, WebhookRejection } from "../../metrics/index.ts";
import { codeName } from "../../protocol/errors.ts";
import { isUuid } from "../../protocol/is-uuid.ts";
import type { SecretBox } from "../../secrets/index.ts";
import { failSpan, type Tracing } from "../../tracing/index.ts";
import type { EndpointCache } from "../endpoints/endpoint-cache.ts";
import { eventPayloadContext } from "../endpoints/endpoint-row.ts";
import { DELIVERY_QUEUE, pullQueue } from "../jobs/job-queue.ts";
import type { RejectCode, VerifyContext, WebhookDelivery, WebhookReply } from "../providers/index.ts";
import { verifierFor } from "../providers/index.ts";
import type { DeliveryCounters } from "./delivery-counters.ts";
import type { EventWriter } from "./event-writer.ts";

/** What the receiver needs. */
export interface ReceiverDeps {
  readonly endpoints: EndpointCache;
  readonly secretBox: SecretBox;
  readonly writer: EventWriter;
  readonly counters: DeliveryCounters;
  readonly verifyContext: VerifyContext;
  readonly now: () => Date;
  readonly metrics?: WebhookMetrics | undefined;
  /** The tracer; undefined when tracing is off. */
  readonly tracing?: Tracing | undefined;
}

/** The answer to the provider: a body when it expects one, else an empty 2xx (204 over REST). */
export interface ReceiveOutcome {
  readonly reply: WebhookReply | undefined;
  readonly kind: "accepted" | "duplicate" | "handshake";
}

/** Operator-safe text per rejection code (never the signature, the body or the secret). */
const REJECTION: Record<string, { code: Code; message: string }> = {
  SIGNATURE_MISSING: { code: Code.Unauthenticated, message: "the delivery carries no signature" },
  SIGNATURE_MISMATCH: { code: Code.Unauthenticated, message: "the delivery's signature does not verify" },
  TIMESTAMP_STALE: {
    code: Code.Unauthenticated,
    message: "the delivery's timestamp is outside the replay window",
  },
  TOKEN_INVALID: { code: Code.Unauthenticated, message: "the delivery's token does not verify" },
  MALFORMED_BODY: { code: Code.InvalidArgument, message: "the delivery's body is not a valid event" },
};

/** The metrics' reason per rejection code: a fixed few, whatever the verifiers add. */
const REASON: Record<RejectCode, WebhookRejection> = {
  SIGNATURE_MISSING: "signature_missing",
  SIGNATURE_MISMATCH: "signature",
  TOKEN_INVALID: "signature",
  TIMESTAMP_STALE: "stale",
  MALFORMED_BODY: "malformed",
};

/** Longest provider event id or event key stored (ids seen from providers are well under 100). */
const MAX_ID_LENGTH = 256;
/** An id the events table can hold and index: non-empty, bounded, well-formed text without controls. */
function storableId(value: string): boolean {
  if (value.length === 0 || value.length > MAX_ID_LENGTH || !value.isWellFormed()) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    // C0 controls (NUL included) and DEL.
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

/**
 * Receives one provider delivery: finds the endpoint, verifies the delivery with the provider's rules
 * against the endpoint's secret (and the previous one during a rotation's grace period), and commits the
 * event and its job in one transaction before answering. A duplicate (same provider event id at the same
 * endpoint, also when many copies race; or, for providers whose event id is not signed, the same verified
 * signature under another id) answers the same 2xx and creates nothing. Rejections are counted
 * and answered with 401/400/404, never accepted.
 */
export async function receiveDelivery(
  deps: ReceiverDeps,
  provider: string,
  endpointId: string,
  delivery: WebhookDelivery,
): Promise<ReceiveOutcome> {
  const tracing = deps.tracing;
  if (tracing === undefined) return receive(deps, provider, endpointId, delivery, undefined);
  // Providers send no trace context: a delivery starts its own trace, which its job's delivery continues.
  const traced = tracing.start(
    "webhook receive",
    {
      kind: SpanKind.SERVER,
      attributes: { "patchbay.webhook.provider": verifierFor(provider)?.provider ?? "unknown" },
    },
    ROOT_CONTEXT,
  );
  try {
    const outcome = await tracing.run(traced.context, () =>
      receive(deps, provider, endpointId, delivery, { tracing, context: traced.context }),
    );
    traced.span.setAttribute("patchbay.webhook.outcome", outcome.kind);
    return outcome;
  } catch (error) {
    failSpan(traced.span, error instanceof ConnectError ? codeName(error.code) : "internal");
    throw error;
  } finally {
    traced.span.end();
  }
}

/** A step of a traced delivery, as a child span of the receive span; runs `work` as is when untraced. */
async function step<T>(
  trace: { tracing: Tracing; context: Context } | undefined,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  if (trace === undefined) return work();
  const { span, context } = trace.tracing.start(name, { kind: SpanKind.INTERNAL }, trace.context);
  try {
    return await trace.tracing.run(context, work);
  } catch (error) {
    failSpan(span, error instanceof ConnectError ? codeName(error.code) : "internal");
    throw error;
  } finally {
    span.end();
  }
}

async function receive(
  deps: ReceiverDeps,
  provider: string,
  endpointId: string,
  delivery: WebhookDelivery,
  trace: { tracing: Tracing; context: Context } | undefined,
): Promise<ReceiveOutcome> {
  const verifier = verifierFor(provider);
  // A provider not in the table is not counted here (its name is the caller's text); the RPC metrics
  // count the 404.
  if (verifier === undefined) throw new ConnectError("unknown webhook endpoint", Code.NotFound);
  const metrics = deps.metrics;
  // The label is the verifier's own provider name, never the URL's text.
  const name = verifier.provider;
  if (!isUuid(endpointId)) {
    metrics?.refused(name, "unknown_endpoint");
    throw new ConnectError("unknown webhook endpoint", Code.NotFound);
  }
  // One spelling per endpoint: changes forget the id as stored (lower case), so the cache is keyed so.
  const id = endpointId.toLowerCase();
  // From lookup to commit inside `use`: a change to the endpoint is answered only after this finished.
  return deps.endpoints.use(id, async (endpoint) => {
    if (endpoint === undefined) {
      metrics?.refused(name, "unknown_endpoint");
      throw new ConnectError("unknown webhook endpoint", Code.NotFound);
    }
    const now = deps.now();
    if (endpoint.row.provider !== provider) {
      deps.counters.rejected(id, "PROVIDER_MISMATCH", now);
      metrics?.refused(name, "unknown_endpoint");
      throw new ConnectError("unknown webhook endpoint", Code.NotFound);
    }

    const began = performance.now();
    const outcome = await step(trace, "webhook verify", () =>
      verifier.verify(delivery, endpoint.secretsAt(now), deps.verifyContext),
    );
    metrics?.verified(name, (performance.now() - began) / 1000);
    if (outcome.kind === "rejected") {
      deps.counters.rejected(id, outcome.code, now);
      metrics?.refused(name, REASON[outcome.code] ?? "malformed");
      const rejection = REJECTION[outcome.code] ?? REJECTION.MALFORMED_BODY;
      throw new ConnectError(
        `${rejection?.message} (${outcome.code})`,
        rejection?.code ?? Code.InvalidArgument,
      );
    }
    if (outcome.kind === "handshake") {
      metrics?.received(name, "handshake");
      return { reply: outcome.reply, kind: "handshake" };
    }
    // The ids come from the body, which the endpoint's owner can sign as it likes: one that cannot be
    // stored (a NUL, broken text, a key too long for the index) is refused here, never sent to the batch
    // it would share with other tenants' deliveries.
    if (!storableId(outcome.providerEventId) || !storableId(outcome.eventKey)) {
      deps.counters.rejected(id, "MALFORMED_BODY", now);
      metrics?.refused(name, "malformed");
      throw new ConnectError(`${REJECTION.MALFORMED_BODY?.message} (MALFORMED_BODY)`, Code.InvalidArgument);
    }

    const row = endpoint.row;
    // Time-ordered ids (RFC 9562 version 7): each goes to the right edge of its index (the events' and
    // the jobs' primary keys, the events' job index) instead of a random leaf page.
    const eventId = randomUUIDv7();
    const jobId = randomUUIDv7();
    const sealed = deps.secretBox.seal(JSON.stringify(outcome.payload), eventPayloadContext(eventId));
    const pull = row.target.kind === "pull";
    // Written inside the store step: the statements that commit it are that step's spans.
    const write = () =>
      deps.writer.write({
        eventId,
        jobId,
        tenantId: row.tenantId,
        endpointId: row.id,
        provider: row.provider,
        providerEventId: outcome.providerEventId,
        replayKey: outcome.replayKey ?? null,
        eventKey: outcome.eventKey,
        sealedPayload: sealed,
        receivedAt: now,
        queue: pull ? pullQueue(row.id) : DELIVERY_QUEUE,
        leaseSeconds: pull ? 60 : 120,
        targetKind: row.target.kind,
        ...(trace === undefined ? {} : { traceparent: traceparentOf(trace) }),
      });
    const inserted = await step(trace, "webhook store", write).catch((error: unknown) => {
      metrics?.received(name, "error");
      throw error;
    });
    metrics?.received(name, inserted ? "accepted" : "duplicate");
    if (inserted) deps.counters.accepted(id, now);
    else deps.counters.duplicate(id);
    return { reply: outcome.reply, kind: inserted ? "accepted" : "duplicate" };
  });
}

/** The `traceparent` of a traced delivery's receive span, for its job. */
function traceparentOf(trace: { tracing: Tracing; context: Context }): string | undefined {
  const headers: Record<string, string> = {};
  trace.tracing.inject(trace.context, headers);
  return headers.traceparent;
}
