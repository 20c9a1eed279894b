import { performance } from "node:perf_hooks";
import { type DescMethod, getOption } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { access } from "../../../gen/patchbay/v1/common_pb.ts";
import type { Logger } from "../../logging/logger.ts";
import { codeName, toClientError } from "../../protocol/errors.ts";
import { REQUEST_ID_HEADER } from "../../protocol/headers.ts";
import { httpStatusOf } from "../../protocol/http-status.ts";
import type { NodeReq, NodeRes } from "../../protocol/node-types.ts";
import type { RawHandler, RawReply } from "../../protocol/raw-handler.ts";
import { requestIdFrom } from "../../protocol/request-info.ts";
import type { RequestLog } from "../interceptors/log-request.ts";
import { BridgeError } from "./bridge-error.ts";
import type { HttpBinding, PathTemplate } from "./http-rules.ts";
import { readBody } from "./read-request.ts";
import { createRouteTable } from "./route-table.ts";
import { writeError, writeRefusal } from "./write-response.ts";

/** A raw handler with what its answers and log lines need. */
interface RawRoute {
  readonly handler: RawHandler;
  /** `/package.Service/Method`, as the request log names it. */
  readonly procedure: string;
  /** The success statuses the method declares; any other asked for is 200. */
  readonly statuses: readonly number[];
}

/** Options of {@link createRawRoutes}. */
export interface RawRoutesOptions {
  readonly handlers: readonly RawHandler[];
  /** Every binding the bridge routes; a raw handler's own are taken from these. */
  readonly bindings: readonly HttpBinding[];
  /** Success statuses each method declares (`(patchbay.v1.rest).success_statuses`). */
  readonly successStatuses: ReadonlyMap<DescMethod, readonly number[]>;
  /** Largest request body; larger is 413. */
  readonly maxBodyBytes: number;
  /** Where a refusal before the handler is logged. */
  readonly logger: Logger;
  /** Where each served request's one line goes. */
  readonly requestLog: RequestLog;
}

/**
 * The bridge's routes for raw handlers (see `RawHandler`): returns a function that serves a request
 * when it matches a raw handler's rule and answers whether it took it. Only those rules are matched, not
 * the whole table, so a raw route costs one template match; a raw rule that shares paths with another
 * rule of the same HTTP method is refused at start-up, so matching it first never changes which rule a
 * path reaches. A URL with a percent-escape is left to the bridge, which owns their decoding rules.
 */
export function createRawRoutes(options: RawRoutesOptions): (req: NodeReq, res: NodeRes) => boolean {
  const { logger, requestLog } = options;
  const methods = new Set(options.handlers.map((handler) => handler.method));
  const own = options.bindings.filter((binding) => methods.has(binding.method));
  for (const binding of own) checkNotShared(binding, options.bindings);
  // Everything a request needs besides its match, looked up once per request.
  const routes = new Map<DescMethod, RawRoute>();
  for (const handler of options.handlers) {
    const { method } = handler;
    if (!own.some((binding) => binding.method === method)) {
      throw new Error(`raw handler ${method.parent.typeName}.${method.name}: no HTTP rule`);
    }
    // A raw handler runs without the interceptors (no API key, rate limit or input rules): only an RPC
    // declared public may be served that way.
    if (!getOption(method, access).public) {
      throw new Error(`raw handler ${method.parent.typeName}.${method.name}: the RPC is not declared public`);
    }
    const procedure = `/${method.parent.typeName}/${method.name}`;
    routes.set(method, { handler, procedure, statuses: options.successStatuses.get(method) ?? [] });
  }
  const table = createRouteTable(own);

  async function serve(req: NodeReq, route: RawRoute, pathValues: readonly string[], requestId: string) {
    const body = await readBody(req, options.maxBodyBytes);
    return route.handler.serve({ req, body, pathValues, requestId });
  }

  function write(res: NodeRes, route: RawRoute, reply: RawReply, requestId: string): void {
    res.statusCode = route.statuses.includes(reply.status) ? reply.status : 200;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    res.setHeader("content-type", reply.contentType || "application/octet-stream");
    res.setHeader("content-length", reply.body.byteLength);
    if (reply.body.byteLength === 0) res.end();
    else res.end(reply.body);
  }

  return (req, res) => {
    const url = req.url ?? "/";
    if (url.includes("%")) return false;
    const found = table.match(req.method ?? "GET", url);
    if (found.kind !== "match") return false;
    const route = routes.get(found.match.binding.method);
    if (route === undefined) return false;
    const started = performance.now();
    let gone = false;
    res.once("close", () => {
      gone = !res.writableEnded;
    });
    const requestId = requestIdFrom(String(req.headers[REQUEST_ID_HEADER] ?? "") || null);
    const line = { reqId: requestId, procedure: route.procedure, protocol: "rest", start: started };
    const log = (error: unknown) => requestLog.write(line, error);
    serve(req, route, found.match.values, requestId).then(
      (reply) => {
        write(res, route, reply, requestId);
        log(undefined);
      },
      (error: unknown) => {
        if (error instanceof BridgeError) {
          // Refused before the handler ran (the body is over the limit), as the bridge refuses.
          if (!res.headersSent) writeRefusal(res, logger, error, requestId, started);
          return;
        }
        if (!(error instanceof ConnectError) && gone) {
          // The client went away mid-request (its body never arrived whole): not a server failure.
          log(new ConnectError("canceled", Code.Canceled));
          return;
        }
        log(error);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const clientError = toClientError(error, requestId);
        writeError(
          res,
          httpStatusOf(clientError.code),
          { code: codeName(clientError.code), message: clientError.rawMessage },
          { [REQUEST_ID_HEADER]: requestId },
        );
      },
    );
    return true;
  };
}

/** Refuses a raw binding that some path could share with another binding of the same HTTP method. */
function checkNotShared(raw: HttpBinding, all: readonly HttpBinding[]): void {
  for (const other of all) {
    if (other === raw || other.httpMethod !== raw.httpMethod) continue;
    if (mayOverlap(raw.template, other.template)) {
      throw new Error(
        `raw handler route ${raw.httpMethod} ${raw.template.source} shares paths with ${other.template.source}`,
      );
    }
  }
}

/**
 * Whether one path could match both templates, cautiously: literals are compared position by position,
 * a `**` may stand for any rest, and the last segment is not compared when only one template has a verb
 * (`x:claim` is one segment to a template without a verb).
 */
function mayOverlap(a: PathTemplate, b: PathTemplate): boolean {
  if (a.verb !== undefined && b.verb !== undefined && a.verb !== b.verb) return false;
  const deep = a.segments.at(-1)?.kind === "deep" || b.segments.at(-1)?.kind === "deep";
  if (!deep && a.segments.length !== b.segments.length) return false;
  const compared =
    Math.min(a.segments.length, b.segments.length) -
    ((a.verb === undefined) !== (b.verb === undefined) ? 1 : 0);
  for (let i = 0; i < compared; i++) {
    const s = a.segments[i];
    const t = b.segments[i];
    if (s?.kind === "literal" && t?.kind === "literal" && s.value !== t.value) return false;
  }
  return true;
}
