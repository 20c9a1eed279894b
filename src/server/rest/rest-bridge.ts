import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { getOption, hasOption } from "@bufbuild/protobuf";
import type {
  UniversalHandler,
  UniversalServerRequest,
  UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import { rest } from "../../../gen/patchbay/v1/common_pb.ts";
import { type KeyPrecheck, keyRefusalValues } from "../../auth/index.ts";
import type { Logger } from "../../logging/logger.ts";
import { BRIDGE_MARKER_HEADER, REQUEST_ID_HEADER } from "../../protocol/headers.ts";
import type { NodeReq, NodeRes } from "../../protocol/node-types.ts";
import type { RawHandler } from "../../protocol/raw-handler.ts";
import { requestIdFrom } from "../../protocol/request-info.ts";
import { elapsedMs, type RequestLog } from "../interceptors/log-request.ts";
import { leaveBodyUnread } from "../unary/leave-body-unread.ts";
import type { BridgedUnary, ClientWatch, ConnectAnswer } from "../unary/unary-fast-path.ts";
import { BridgeError } from "./bridge-error.ts";
import { checkBinding } from "./check-binding.ts";
import { collectBindings } from "./http-rules.ts";
import { createRawRoutes } from "./raw-routes.ts";
import { forwardedHeaders, isJsonType, readBody } from "./read-request.ts";
import { buildRequestJson, checkQueryText, isRawBody } from "./request-json.ts";
import { createRouteTable } from "./route-table.ts";
import { writeError, writeRefusal, writeRpcResponse } from "./write-response.ts";

/** The path prefix the bridge answers. */
export const REST_PREFIX = "/api/";

/** Options for {@link createRestBridge}. */
export interface RestBridgeOptions {
  /** The Connect router's handlers; the bridge calls them, so every interceptor applies. */
  handlers: readonly (UniversalHandler & { method: DescMethod })[];
  /** Services whose `google.api.http` rules are routed. */
  services: readonly DescService[];
  /** Largest request body; larger is 413. */
  maxBodyBytes: number;
  /** A method's own largest request body, when it has one (the RPCs that carry an OpenAPI description). */
  maxBodyBytesFor?: (method: DescMethod) => number;
  /** Requests refused before they reach a handler are logged here (handled ones by the interceptors). */
  logger: Logger;
  /**
   * Methods served straight from the HTTP request instead of through their Connect handler, and the
   * request log their calls are written to (the others' lines are the interceptors').
   */
  raw?: { readonly handlers: readonly RawHandler[]; readonly requestLog: RequestLog };
  /**
   * A method's calls run without Connect's stream machinery (the unary fast path), answered as its handler
   * would answer them; asked once per method. A call it does not take goes to the handler.
   */
  fastCall?: (method: DescMethod) => BridgedUnary | undefined;
  /**
   * Checks a call's API key before its body is read; a call it refuses is answered (by the interceptors,
   * as every refused call) without reading its body. Without it every body is read first.
   */
  keyCheck?: KeyPrecheck | undefined;
}

/**
 * The REST/JSON bridge: routes `/api/…` requests by the `google.api.http` rules read from the
 * descriptors, turns each into the RPC's request message (proto3 JSON), calls the same Connect handler
 * a Connect client would reach (interceptors included), and writes the answer as REST. A method with a
 * raw handler (`RawHandler`: the public webhook receiver) is served straight from the HTTP request instead,
 * under the same contract.
 */
export function createRestBridge(options: RestBridgeOptions): {
  handle: (req: NodeReq, res: NodeRes) => void;
} {
  const table = createRouteTable(collectBindings(options.services));
  for (const binding of table.bindings) checkBinding(binding);
  const handlers = new Map(options.handlers.map((h) => [h.method, h]));
  const fastCalls = new Map<DescMethod, BridgedUnary>();
  for (const { method } of table.bindings) {
    const fast = options.fastCall?.(method);
    if (fast !== undefined) fastCalls.set(method, fast);
  }
  const lenientQuery = new Set(
    table.bindings
      .filter((b) => hasOption(b.method, rest) && getOption(b.method, rest).ignoreUnknownQueryParameters)
      .map((b) => b.method),
  );
  const successStatuses = new Map<DescMethod, readonly number[]>(
    table.bindings.map((b) => [
      b.method,
      hasOption(b.method, rest) ? getOption(b.method, rest).successStatuses : [],
    ]),
  );

  const raw =
    options.raw === undefined || options.raw.handlers.length === 0
      ? undefined
      : createRawRoutes({
          handlers: options.raw.handlers,
          bindings: table.bindings,
          successStatuses,
          maxBodyBytes: options.maxBodyBytes,
          logger: options.logger,
          requestLog: options.raw.requestLog,
        });

  async function serve(req: NodeReq, res: NodeRes): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = table.match(req.method ?? "GET", url.pathname);
    if (route.kind === "not-found") throw new BridgeError(404, "not_found", "no REST route for this path");
    if (route.kind === "method-not-allowed") {
      const allow = route.allow.join(", ");
      throw new BridgeError(405, "unimplemented", `method not allowed; this path accepts ${allow}`, {
        allow,
      });
    }
    const { binding } = route.match;
    const handler = handlers.get(binding.method);
    if (handler === undefined) throw new BridgeError(501, "unimplemented", "this operation is not served");
    // A client cannot claim to be the bridge: the marker is dropped, then set here.
    const header = forwardedHeaders(req, [BRIDGE_MARKER_HEADER]);
    const bodyless = binding.body === "" && req.method === "GET";
    // The key is checked before the body is read: a caller without a valid one cannot make the server
    // hold its body (up to the method's limit, on each request it keeps open).
    const checked = bodyless ? undefined : options.keyCheck?.(binding.method, header);
    const refused = checked instanceof Promise ? await checked : checked;
    let json: unknown = {};
    if (refused === undefined) {
      const contentType = String(req.headers["content-type"] ?? "");
      const body = bodyless
        ? new Uint8Array(0)
        : await readBody(req, options.maxBodyBytesFor?.(binding.method) ?? options.maxBodyBytes);
      if (!isRawBody(binding.method.input, binding.body) && body.byteLength > 0 && !isJsonType(contentType)) {
        throw new BridgeError(415, "invalid_argument", "the request body must be application/json");
      }
      checkQueryText(url.search);
      json = buildRequestJson({
        match: route.match,
        query: url.searchParams,
        body,
        contentType,
        ignoreUnknownQuery: lenientQuery.has(binding.method),
      });
    } else leaveBodyUnread(req, res);

    header.set("content-type", "application/json");
    header.set(BRIDGE_MARKER_HEADER, "1");
    const host = String(req.headers.host ?? req.headers[":authority"] ?? "localhost");
    const target = `http://${host}${req.url ?? "/"}`;
    const statuses = successStatuses.get(binding.method) ?? [];
    const fast = fastCalls.get(binding.method)?.({
      url: target,
      header,
      json,
      client: watch(res),
      ...(refused === undefined ? {} : { refused }),
    });
    if (fast !== undefined) {
      writeRpcResponse(res, binding, await fast, statuses);
      return;
    }
    const abort = new AbortController();
    // Only a client that goes away before the answer is complete cancels the call (an abort costs a
    // DOMException with its stack, which every finished request would otherwise pay).
    res.once("close", () => {
      if (!res.writableEnded) abort.abort();
    });
    const uReq: UniversalServerRequest = {
      httpVersion: req.httpVersion,
      url: target,
      method: "POST",
      header,
      body: json as UniversalServerRequest["body"],
      signal: abort.signal,
      ...(refused === undefined ? {} : { contextValues: keyRefusalValues(refused) }),
    };
    writeRpcResponse(res, binding, await answerOf(await handler(uReq)), statuses);
  }

  return {
    handle(req, res) {
      if (raw?.(req, res)) return;
      const started = performance.now();
      serve(req, res).catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        // Refused before any handler ran, so no interceptor wrote the request's log line: write it here.
        const reqId = requestIdFrom(String(req.headers[REQUEST_ID_HEADER] ?? "") || null);
        if (error instanceof BridgeError) {
          writeRefusal(res, options.logger, error, reqId, started);
        } else {
          options.logger.error(
            { reqId, protocol: "rest", durationMs: elapsedMs(started), code: "internal", err: error },
            "REST bridge failed",
          );
          const message = `internal error (request ${reqId})`;
          writeError(res, 500, { code: "internal", message }, { [REQUEST_ID_HEADER]: reqId });
        }
      });
    },
  };
}

/** The REST response's close, as the fast path watches a call's client. */
function watch(res: NodeRes): ClientWatch {
  return {
    onceClosed: (listener) => res.once("close", listener),
    offClosed: (listener) => res.off("close", listener),
    get writableEnded() {
      return res.writableEnded;
    },
  };
}

/** A Connect unary answer with its body read (Connect's handler answers with one chunk). */
async function answerOf(uRes: UniversalServerResponse): Promise<ConnectAnswer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of uRes.body ?? []) chunks.push(chunk);
  return { status: uRes.status, header: uRes.header ?? new Headers(), body: Buffer.concat(chunks) };
}
