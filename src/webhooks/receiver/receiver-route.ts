import { WebhookService } from "../../../gen/patchbay/v1/webhook_pb.ts";
import type { RawHandler, RawReply } from "../../protocol/raw-handler.ts";
import { type ReceiverDeps, receiveDelivery } from "./receive-delivery.ts";

const EMPTY = new Uint8Array(0);

/**
 * The public receiver, `ReceiveEvent`'s REST binding (`POST /api/v1/connectors/webhooks/{provider}/
 * {endpoint_id}`), as a raw handler of the REST bridge: served straight from the HTTP request. It is the
 * one REST route whose rate is set by providers rather than by our callers, and it takes no API key, no
 * rate limit and no message conversion: the generic bridge would turn the raw body into Connect JSON
 * (base64), run it through the Connect handler and turn the answer back, about a third of the receiver's
 * CPU per delivery (bench/webhooks). The bridge keeps the rest of its contract (the rule, body limit,
 * `x-request-id`, error body, `x-patchbay-error`, log line); gRPC and Connect clients still reach
 * `ReceiveEvent` through the router.
 */
export function createReceiverRoute(deps: ReceiverDeps & { readonly publicUrl: string }): RawHandler {
  const base = deps.publicUrl.replace(/\/+$/, "");
  return {
    method: WebhookService.method.receiveEvent,
    async serve({ req, body, pathValues }): Promise<RawReply> {
      // The rule's variables in template order: {provider}/{endpoint_id}.
      const [provider = "", endpointId = ""] = pathValues;
      const url = new URL(req.url ?? "/", "http://localhost");
      const outcome = await receiveDelivery(deps, provider, endpointId, {
        body,
        contentType: String(req.headers["content-type"] ?? ""),
        header: (name) => {
          const value = req.headers[name];
          return Array.isArray(value) ? value.join(", ") : value;
        },
        url: `${base}${url.pathname}${url.search}`,
        now: deps.now(),
      });
      const reply = outcome.reply;
      // 204 when the provider expects no body (Discord's webhook events require it).
      if (reply === undefined) return { status: 204, contentType: "text/plain", body: EMPTY };
      if (reply.body.length === 0) return { status: 204, contentType: reply.contentType, body: EMPTY };
      return { status: 200, contentType: reply.contentType, body: reply.body };
    },
  };
}
