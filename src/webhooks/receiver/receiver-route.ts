import { performance } from "node:perf_hooks";
import { Code, ConnectError } from "@connectrpc/connect";
import { WebhookService } from "../../../gen/patchbay/v1/webhook_pb.ts";
import type { Logger } from "../../logging/logger.ts";
import { codeName, toClientError } from "../../protocol/errors.ts";
import { httpStatusOf } from "../../protocol/http-status.ts";
import type { NodeReq, NodeRes } from "../../protocol/node-types.ts";
import { requestIdFrom } from "../../protocol/request-info.ts";
import { logRequest } from "../../server/interceptors/log-request.ts";
import { BridgeError } from "../../server/rest/bridge-error.ts";
import { collectBindings } from "../../server/rest/http-rules.ts";
import { readBody } from "../../server/rest/read-request.ts";
import { createRouteTable } from "../../server/rest/route-table.ts";
import { writeError, writeRefusal } from "../../server/rest/write-response.ts";
import { type ReceiverDeps, receiveDelivery } from "./receive-delivery.ts";

const RECEIVE_EVENT = WebhookService.method.receiveEvent;
/** The procedure this route serves, as the request log names it. */
const PROCEDURE = `/${WebhookService.typeName}/${RECEIVE_EVENT.name}`;

/** Options of {@link createReceiverRoute}. */
export interface ReceiverRouteOptions {
  readonly deps: ReceiverDeps & { readonly publicUrl: string };
  readonly logger: Logger;
  /** Largest request body; larger is 413. */
  readonly maxBodyBytes: number;
}

/**
 * The public receiver, `ReceiveEvent`'s REST binding (`POST /api/v1/connectors/webhooks/{provider}/
 * {endpoint_id}`, read from its `google.api.http` rule), served straight from the HTTP request. It is the one REST route whose rate is set by providers rather than by our callers,
 * and it takes no API key, no rate limit and no message conversion: the generic bridge would turn the raw
 * body into Connect JSON (base64), run it through the Connect handler and turn the answer back, about a
 * third of the receiver's CPU per delivery (bench/webhooks). It answers exactly as the bridge does:
 * `ReceiveEvent`'s rule, statuses, error body, `x-patchbay-error`, `x-request-id` and request log line.
 * gRPC and Connect clients still reach `ReceiveEvent` through the router. Paths with percent-escapes are
 * left to the bridge, which owns their decoding rules.
 *
 * Returns a handler that answers true when it took the request.
 */
export function createReceiverRoute(options: ReceiverRouteOptions): (req: NodeReq, res: NodeRes) => boolean {
  const base = options.deps.publicUrl.replace(/\/+$/, "");
  // The same template matching as the bridge, over this one rule.
  const route = createRouteTable(
    collectBindings([WebhookService]).filter((binding) => binding.method === RECEIVE_EVENT),
  );

  async function serve(req: NodeReq, res: NodeRes, provider: string, endpointId: string, id: string) {
    const body = await readBody(req, options.maxBodyBytes);
    const url = new URL(req.url ?? "/", "http://localhost");
    const outcome = await receiveDelivery(options.deps, provider, endpointId, {
      body,
      contentType: String(req.headers["content-type"] ?? ""),
      header: (name) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(", ") : value;
      },
      url: `${base}${url.pathname}${url.search}`,
      now: options.deps.now(),
    });
    const reply = outcome.reply;
    res.setHeader("x-request-id", id);
    if (reply === undefined || reply.body.length === 0) {
      res.statusCode = 204;
      res.setHeader(
        "content-type",
        reply === undefined ? "text/plain" : reply.contentType || "application/octet-stream",
      );
      res.setHeader("content-length", 0);
      res.end();
      return;
    }
    res.statusCode = 200;
    res.setHeader("content-type", reply.contentType || "application/octet-stream");
    res.setHeader("content-length", reply.body.byteLength);
    res.end(reply.body);
  }

  return (req, res) => {
    const url = req.url ?? "/";
    if (url.includes("%")) return false;
    const found = route.match(req.method ?? "GET", url);
    if (found.kind !== "match") return false;
    const [provider = "", endpointId = ""] = found.match.values;
    const started = performance.now();
    let gone = false;
    res.once("close", () => {
      gone = !res.writableEnded;
    });
    const id = requestIdFrom(String(req.headers["x-request-id"] ?? "") || null);
    const log = (error: unknown) =>
      logRequest(
        options.logger,
        { reqId: id, procedure: PROCEDURE, protocol: "rest", start: started },
        error,
      );
    serve(req, res, provider, endpointId, id).then(
      () => log(undefined),
      (error: unknown) => {
        if (error instanceof BridgeError) {
          // Refused before the receiver ran (the body is over the limit): as the bridge refuses it.
          if (!res.headersSent) writeRefusal(res, options.logger, error, id, started);
          return;
        }
        if (!(error instanceof ConnectError) && gone) {
          // The provider went away mid-request (its body never arrived whole): not a server failure.
          log(new ConnectError("canceled", Code.Canceled));
          return;
        }
        log(error);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const clientError = toClientError(error, id);
        writeError(
          res,
          httpStatusOf(clientError.code),
          { code: codeName(clientError.code), message: clientError.rawMessage },
          { "x-request-id": id },
        );
      },
    );
    return true;
  };
}
