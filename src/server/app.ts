import http2 from "node:http2";
import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, createConnectRouter, type Interceptor } from "@connectrpc/connect";
import { createAsyncIterable } from "@connectrpc/connect/protocol";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import {
  createAuthInterceptor,
  createKeyPrecheck,
  type KeyRefusal,
  keyRefusalValues,
} from "../auth/index.ts";
import { readMaxBytesFor } from "../catalog/index.ts";
import { MCP_PATH, PROTECTED_RESOURCE_PATH, serveProtectedResource } from "../mcp/index.ts";
import { createMetricsRoute } from "../metrics/index.ts";
import {
  createCallerScopeInterceptor,
  createOverloadInterceptor,
  type OverloadInterceptor,
} from "../overload/index.ts";
import { REQUEST_ID_HEADER } from "../protocol/headers.ts";
import type { NodeHandler, NodeReq, NodeRes, StreamHandler } from "../protocol/node-types.ts";
import { requestIdFrom } from "../protocol/request-info.ts";
import { createRateLimitCheck, createRateLimitInterceptor } from "../ratelimit/index.ts";
import { createReceiverRoute } from "../webhooks/index.ts";
import { createAdminRoutes } from "./admin/index.ts";
import type { AppDeps } from "./app-deps.ts";
import { API_DOCS_ALIASES, createDocsRoutes } from "./docs/index.ts";
import { checkKeyFirst } from "./edge/check-key-first.ts";
import { MAX_TIMEOUT_MS } from "./edge/clamp-timeout.ts";
import { createProcedureEdge } from "./edge/procedure-edge.ts";
import { createHttpFallback } from "./http-fallback.ts";
import { createInputChecker } from "./input/create-input-checker.ts";
import { createInputCheckInterceptor } from "./interceptors/input-check.ts";
import { createRequestLog, type RequestLog } from "./interceptors/log-request.ts";
import { createRequestLogInterceptor } from "./interceptors/request-log.ts";
import { createMcpRoute } from "./mcp-mount.ts";
import { createRestBridge, REST_PREFIX } from "./rest/rest-bridge.ts";
import { REST_SERVICES, routes } from "./routes.ts";
import { recordUnaryMethods } from "./unary/recording-router.ts";
import {
  type BodyPrefix,
  createUnaryFastPath,
  type GenericRoute,
  type UnaryRoute,
} from "./unary/unary-fast-path.ts";

export type { AppDeps } from "./app-deps.ts";

/** What the listener serves: every request, and each HTTP/2 request stream before Node's objects for it. */
export interface App {
  readonly handler: NodeHandler;
  readonly onStream: StreamHandler;
}

/**
 * The interceptors, outermost first: request id + log + error mapping, auth, calls in flight + load
 * shedding (before the rate limit, so a refused call costs no counter write), rate limit, and the
 * caller scope that cancels a departed caller's database work.
 */
export function createInterceptors(
  deps: Omit<AppDeps, "mcp">,
  overload: OverloadInterceptor = createOverload(deps),
  requestLog: RequestLog = createRequestLog(deps.logger),
): Interceptor[] {
  return [
    createRequestLogInterceptor(requestLog, deps.metrics?.rpc, deps.tracing),
    createAuthInterceptor(deps.keys, deps.tracing),
    overload,
    createRateLimitInterceptor({
      db: deps.db,
      tiers: deps.rateLimits,
      logger: deps.logger,
      metrics: deps.metrics?.platform,
    }),
    createCallerScopeInterceptor({ db: deps.db, logger: deps.logger }),
    // Innermost: a handler sees only input that passed the one input rule (docs/limits.md).
    createInputCheckInterceptor(createInputChecker()),
  ];
}

/** Calls in flight per key and load shedding: one per server, shared by the router and `/mcp`. */
function createOverload(deps: Omit<AppDeps, "mcp">): OverloadInterceptor {
  return createOverloadInterceptor({
    limits: deps.overload?.limits,
    monitor: deps.overload?.monitor,
    logger: deps.logger,
  });
}

/**
 * The request handler for every protocol on the one port: Connect, gRPC and gRPC-Web by procedure path,
 * REST under `/api/` through the bridge (which calls the same router handlers), then plain HTTP routes.
 */
export function createApp(deps: AppDeps): App {
  // One in-flight count per key across protocols: the router's interceptor and `/mcp` share it.
  const overload = createOverload(deps);
  // One request log for every protocol's calls (its unredacted logger is made once, here).
  const requestLog = createRequestLog(deps.logger);
  const compressions = [compressionGzip, compressionBrotli];
  const edge = createProcedureEdge({
    requestLog,
    rpc: deps.metrics?.rpc,
    maxTimeoutMs: MAX_TIMEOUT_MS,
    compressions,
    readMaxBytes: deps.maxBodyBytes,
  });
  // Connect's JSON reader takes a text decoder beside the read options: a body that is not UTF-8 is
  // refused instead of read with U+FFFD in place of the bad bytes. JSON answers (Connect JSON and REST)
  // carry every field, defaults included (`configured: false`, `connections: []`, `oauthUrl: ""`), so a
  // client reads the shape the OpenAPI document promises instead of guessing what an absent key means.
  const strictJson = {
    ignoreUnknownFields: true,
    alwaysEmitImplicit: true,
    textDecoder: new TextDecoder("utf-8", { fatal: true }),
  };
  const routerOptions = {
    interceptors: createInterceptors(deps, overload, requestLog),
    readMaxBytes: deps.maxBodyBytes,
    acceptCompression: compressions,
    jsonOptions: strictJson,
    ...(deps.shutdownSignal ? { shutdownSignal: deps.shutdownSignal } : {}),
  };
  const recorded = recordUnaryMethods(createConnectRouter({ ...routerOptions, requestGate: edge.gate }));
  const router = recorded.router;
  routes(router, deps.services, deps.ready);
  // Every protocol reaches a procedure through the edge, REST included (the bridge calls these handlers).
  const handlers = router.handlers.map((h) => edge.wrap(h));
  const procedures = new Map(handlers.map((h) => [h.requestPath, h]));
  // Every protocol checks a call's key before reading its body (the interceptor checks it again after).
  const keyCheck = createKeyPrecheck(deps.keys);
  const writeFailed = (error: unknown) => deps.logger.debug({ err: error }, "response stream ended early");
  // Connect's handler for a procedure, given the body bytes the fast path already read, if any.
  const generic: GenericRoute = (req, res, prefix) => {
    const procedure = procedures.get(pathOf(req.url ?? "/")) as (typeof handlers)[number];
    // HTTP/1.0 may omit Host, without which Connect's Node adapter throws (it used to end the process).
    if (req.httpVersionMajor === 1 && req.headers.host === undefined) req.headers.host = "localhost";
    // The fast path checked the key of a call whose body it began to read; every other call with a single
    // input message has its key checked here, before Connect reads that message (compressed, gRPC JSON,
    // server streaming, `expect`, fast path off). A client or bidi stream's messages are read only by its
    // handler, after the auth interceptor.
    if (prefix !== undefined || !singleInput(procedure.method))
      handOn(procedure, req, res, prefix, undefined);
    else
      checkKeyFirst(keyCheck, procedure.method, req, res, (refused) => {
        try {
          handOn(procedure, req, res, undefined, refused);
        } catch (error) {
          failed(req, res, error);
        }
      });
  };
  // Connect's handler through the edge; a call refused before its body was read is answered by the edge's
  // gate, with an empty body (the rest of its body is discarded, never read).
  const handOn = (
    procedure: (typeof handlers)[number],
    req: NodeReq,
    res: NodeRes,
    prefix: BodyPrefix | undefined,
    refused: KeyRefusal | undefined,
  ) => {
    const uReq = universalRequestFromNodeRequest(
      req,
      res,
      undefined,
      refused === undefined ? undefined : keyRefusalValues(refused),
    );
    procedure(
      refused !== undefined
        ? { ...uReq, body: createAsyncIterable<Uint8Array>([]) }
        : prefix === undefined
          ? uReq
          : {
              ...uReq,
              body: replayBody(prefix, prefix.rest ?? req),
              // The client left while the fast path read the body: the call is over before it began.
              ...(prefix.broken
                ? { signal: AbortSignal.abort(new ConnectError("the client went away", Code.Canceled)) }
                : {}),
            },
    )
      .then((uRes) => universalResponseToNodeResponse(uRes, res))
      .catch(writeFailed);
  };
  // Unary calls in the common shapes skip Connect's stream machinery; the rest go to `generic`.
  const fastPath =
    deps.unaryFastPath === false
      ? new Map<string, UnaryRoute>()
      : createUnaryFastPath(recorded.methods, {
          router: routerOptions,
          maxTimeoutMs: MAX_TIMEOUT_MS,
          // After reading a body the fast path calls this outside the request event: it must not throw.
          generic: (req, res, prefix) => {
            try {
              generic(req, res, prefix);
            } catch (error) {
              failed(req, res, error);
            }
          },
          onWriteError: writeFailed,
          keyCheck,
        });
  const limits = deps.services.catalog.requestLimits;
  const bridge = createRestBridge({
    handlers,
    services: REST_SERVICES,
    maxBodyBytes: deps.maxBodyBytes,
    // The same per-method limits as the catalog's Connect handlers (catalog/request-limits.ts).
    ...(limits !== undefined ? { maxBodyBytesFor: (method) => readMaxBytesFor(method, limits) } : {}),
    logger: deps.logger,
    // The public webhook receiver answers straight from the request (same contract as its REST rule).
    raw: { handlers: [createReceiverRoute(deps.services.webhooks)], requestLog },
    // Unary REST calls run as the fast path runs Connect's (same interceptors, same answers), without
    // Connect's stream machinery; with the fast path off, through the handlers as every call.
    fastCall: (method) => fastPath.get(`/${method.parent.typeName}/${method.name}`)?.bridged,
    keyCheck,
  });
  const docs = createDocsRoutes({});
  // The rate limit of what is not a Connect procedure (`/mcp`, the overview's data): its own check on
  // the interceptor's counters, so a key has one limit across them all.
  const rateLimit = createRateLimitCheck({
    db: deps.db,
    tiers: deps.rateLimits,
    logger: deps.logger,
    metrics: deps.metrics?.platform,
  });
  const admin = createAdminRoutes({
    overview: { keys: deps.keys, history: deps.metricsHistory, rateLimit },
  });
  const metrics =
    deps.metrics !== undefined && deps.metricsOnMainPort === true
      ? createMetricsRoute(deps.metrics.registry)
      : undefined;
  const fallback = createHttpFallback({ ready: deps.ready, logger: deps.logger });
  const mcp = createMcpRoute(deps, overload.admit, requestLog, rateLimit);
  const route: NodeHandler = (req, res) => {
    const path = pathOf(req.url ?? "/");
    const unary = fastPath.get(path);
    if (unary !== undefined) {
      unary(req, res);
      return;
    }
    if (procedures.has(path)) {
      generic(req, res, undefined);
      return;
    }
    // The API reference's aliases under /api/ are docs pages, not REST operations.
    if (path.startsWith(REST_PREFIX) && !API_DOCS_ALIASES.has(path)) {
      bridge.handle(req, res);
      return;
    }
    const reqId = requestIdFrom(headerText(req.headers[REQUEST_ID_HEADER]));
    res.setHeader(REQUEST_ID_HEADER, reqId);
    if (path === MCP_PATH) {
      mcp(req, res, reqId);
      return;
    }
    if (path === PROTECTED_RESOURCE_PATH || path === `${PROTECTED_RESOURCE_PATH}${MCP_PATH}`) {
      serveProtectedResource(deps.services.connections.publicUrl, MCP_PATH, res);
      return;
    }
    if (metrics?.(req, res) === true) return;
    if (docs(req, res)) return;
    if (admin(req, res)) return;
    fallback(req, res, reqId);
  };
  // Nothing a request holds may throw out of the server's request or stream event: that would end the process.
  const failed = (req: NodeReq, res: NodeRes, error: unknown) => {
    const reqId = requestIdFrom(headerText(req.headers[REQUEST_ID_HEADER]));
    deps.logger.error({ reqId, code: "internal", err: error }, "request failed unexpectedly");
    if (res.headersSent) res.destroy();
    else {
      res.statusCode = 500;
      res.setHeader(REQUEST_ID_HEADER, reqId);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ code: "internal", message: `internal error (request ${reqId})` }));
    }
  };
  const handler: NodeHandler = (req, res) => {
    try {
      route(req, res);
    } catch (error) {
      failed(req, res, error);
    }
  };
  // An HTTP/2 stream for a procedure the fast path has goes there first; every other one, and one it
  // declines, to Node as before. Node's handling runs outside the guard: what throws in the guard threw
  // before anything made request and response objects for the stream, so those made here are its only ones.
  const onStream: StreamHandler = (stream, headers, rawHeaders, toCompat) => {
    const unary = fastPath.get(pathOf(headers[":path"] ?? "/"));
    let taken = false;
    if (unary !== undefined) {
      try {
        taken = unary.stream(stream, headers, rawHeaders);
      } catch (error) {
        // Answered as a request that threw is, on objects made for the stream as Node makes them.
        failed(
          new http2.Http2ServerRequest(stream, headers, {}, rawHeaders),
          new http2.Http2ServerResponse(stream),
          error,
        );
        return;
      }
    }
    if (!taken) toCompat();
  };
  return { handler, onStream };
}

/** Whether Connect reads a method's one input message before its interceptors run. */
function singleInput(method: DescMethod): boolean {
  return method.methodKind === "unary" || method.methodKind === "server_streaming";
}

function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

/** A request body whose first bytes were already read: those, then the rest of the request. */
async function* replayBody(prefix: BodyPrefix, req: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield* prefix.chunks;
  if (!prefix.whole && !prefix.broken) yield* req;
}

function headerText(value: string | string[] | undefined): string | null {
  return typeof value === "string" ? value : null;
}
