import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { WebhookService } from "../../../gen/patchbay/v1/webhook_pb.ts";
import { HTTP_STATUS_HEADER } from "../../protocol/headers.ts";
import { isUuid } from "../../protocol/is-uuid.ts";
import { changeEndpoint } from "../endpoints/endpoint-changes.ts";
import { verifyTokenContext } from "../endpoints/endpoint-row.ts";
import { checkMetaHandshake } from "../providers/index.ts";
import type { WebhookDeps } from "../webhook-deps.ts";
import { receiveDelivery } from "./receive-delivery.ts";

/** The public RPCs of `WebhookService`, which providers call. */
export type ReceiverHandlers = Pick<ServiceImpl<typeof WebhookService>, "receiveEvent" | "verifyEndpoint">;

/**
 * Implements the public receiver for gRPC and Connect clients, and for REST URLs with percent-escapes.
 * Other REST deliveries never come here: `createReceiverRoute` serves them straight from the HTTP request,
 * as a raw handler of the REST bridge (`RawHandler`, src/protocol/raw-handler.ts).
 */
export function receiverHandlers(deps: WebhookDeps): ReceiverHandlers {
  return {
    async receiveEvent(req, ctx) {
      const url = new URL(ctx.url);
      const publicUrl = `${deps.publicUrl.replace(/\/+$/, "")}${url.pathname}${url.search}`;
      const outcome = await receiveDelivery(deps, req.provider, req.endpointId, {
        body: req.body?.data ?? new Uint8Array(),
        contentType: req.body?.contentType || (ctx.requestHeader.get("content-type") ?? ""),
        header: (name) => ctx.requestHeader.get(name) ?? undefined,
        url: publicUrl,
        now: deps.now(),
      });
      if (outcome.reply === undefined || outcome.reply.body.length === 0) {
        // REST: 204, declared in the proto's `rest` option (Discord's webhook events require it).
        ctx.responseHeader.set(HTTP_STATUS_HEADER, "204");
        return { body: { contentType: outcome.reply?.contentType ?? "text/plain", data: new Uint8Array() } };
      }
      return { body: { contentType: outcome.reply.contentType, data: outcome.reply.body } };
    },

    async verifyEndpoint(req) {
      // Meta's subscription handshake: echo hub.challenge when hub.verify_token matches.
      const endpointId = req.endpointId;
      if (req.provider !== "whatsapp") throw new ConnectError("unknown webhook endpoint", Code.NotFound);
      const row = isUuid(endpointId) ? await deps.endpointStore.findLive(endpointId) : undefined;
      if (row === undefined || row.provider !== "whatsapp") {
        deps.metrics?.refused("whatsapp", "unknown_endpoint");
        throw new ConnectError("unknown webhook endpoint", Code.NotFound);
      }
      const expected =
        row.sealedVerifyToken === null
          ? ""
          : deps.secretBox.open(row.sealedVerifyToken, verifyTokenContext(row.id)).toString("utf8");
      const challenge = checkMetaHandshake(
        {
          mode: req.hub?.mode ?? "",
          challenge: req.hub?.challenge ?? "",
          verifyToken: req.hub?.verifyToken ?? "",
        },
        expected,
      );
      if (challenge === undefined) {
        deps.counters.rejected(row.id, "HANDSHAKE_FAILED", deps.now());
        deps.metrics?.refused("whatsapp", "handshake_failed");
        throw new ConnectError("the verify token does not match (HANDSHAKE_FAILED)", Code.PermissionDenied);
      }
      if (!row.verified || row.lastErrorCode !== null) {
        // A successful handshake proves the setup: earlier failed attempts no longer make it "failing".
        await deps.counters.flush();
        await changeEndpoint(deps, row.id, { kind: "verified" });
      }
      deps.metrics?.received("whatsapp", "handshake");
      return { body: { contentType: "text/plain", data: new TextEncoder().encode(challenge) } };
    },
  };
}
