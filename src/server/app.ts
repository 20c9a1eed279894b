import { type ConnectRouter, createConnectRouter, type Interceptor } from "@connectrpc/connect";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import { file_grpc_reflection_v1_reflection } from "../../gen/grpc/reflection/v1/reflection_pb.ts";
import { file_health_v1_health } from "../../gen/health/v1/health_pb.ts";
import { file_patchbay_connector_v1_connector } from "../../gen/patchbay/connector/v1/connector_pb.ts";
import { ApiKeyService, file_patchbay_v1_api_keys } from "../../gen/patchbay/v1/api_keys_pb.ts";
import { CatalogService, file_patchbay_v1_catalog } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ConnectionService, file_patchbay_v1_connection } from "../../gen/patchbay/v1/connection_pb.ts";
import { ExecuteService, file_patchbay_v1_execute } from "../../gen/patchbay/v1/execute_pb.ts";
import { file_patchbay_v1_webhook, WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import {
  type ApiKeyStore,
  createApiKeyAdmin,
  createAuthInterceptor,
  registerApiKeys,
} from "../auth/index.ts";
import { type CatalogDeps, registerCatalog } from "../catalog/index.ts";
import {
  type ConnectionDeps,
  createConnectionUser,
  registerConnections,
  type TokenRefresher,
} from "../connections/index.ts";
import type { Database } from "../db/index.ts";
import { createCommandRunner, type ExecuteDeps, registerExecute } from "../execute/index.ts";
import type { Logger } from "../logging/logger.ts";
import {
  type ConcurrencyLimits,
  createCallerScopeInterceptor,
  createOverloadInterceptor,
  type LoadMonitor,
} from "../overload/index.ts";
import { REQUEST_ID_HEADER } from "../protocol/headers.ts";
import { registerHealth } from "../protocol/health.ts";
import type { UniversalHandler } from "../protocol/listener.ts";
import { requestIdFrom } from "../protocol/request-info.ts";
import { createRateLimitInterceptor, type RateLimitTiers } from "../ratelimit/index.ts";
import {
  createReceiverRoute,
  createWebhookRegistrar,
  registerWebhooks,
  type WebhookDeps,
} from "../webhooks/index.ts";
import { createAdminRoutes } from "./admin/index.ts";
import { createDocsRoutes } from "./docs/index.ts";
import { MAX_TIMEOUT_MS } from "./edge/clamp-timeout.ts";
import { createProcedureEdge } from "./edge/procedure-edge.ts";
import { createHttpFallback } from "./http-fallback.ts";
import { createInputChecker } from "./input/create-input-checker.ts";
import { createInputCheckInterceptor } from "./interceptors/input-check.ts";
import { createRequestLogInterceptor } from "./interceptors/request-log.ts";
import { registerReflection } from "./reflection.ts";
import { createRestBridge, REST_PREFIX } from "./rest/rest-bridge.ts";

/** Everything the API needs, built once by `startServer`. */
export interface AppDeps {
  logger: Logger;
  keys: ApiKeyStore;
  catalog: CatalogDeps;
  connections: ConnectionDeps;
  /** Execute's dependencies; the connection resolver is built from the connections feature. */
  execute: Omit<ExecuteDeps, "useConnection">;
  /** The database, for the rate-limit counters. */
  db: Database;
  /** Per-tier limits; undefined turns rate limiting off. */
  rateLimits: RateLimitTiers | undefined;
  /** Calls in flight per key by tier, and the load readings that decide shedding; undefined turns either off. */
  overload?: { limits: ConcurrencyLimits | undefined; monitor: LoadMonitor | undefined };
  /** True when the database answers and every migration is applied. */
  ready: () => Promise<boolean>;
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
  /** The webhook feature's dependencies (its job queue is started by `startServer`). */
  webhooks: WebhookDeps;
  /** The one clock every feature reads. */
  now: () => Date;
  /** Aborted when the server begins to stop; handlers see it through their signal. */
  shutdownSignal?: AbortSignal;
}

/** Files served by reflection: the API, the external connector contract, and the protocol services. */
export const REFLECTED_FILES = [
  file_patchbay_v1_catalog,
  file_patchbay_v1_connection,
  file_patchbay_v1_execute,
  file_patchbay_v1_webhook,
  file_patchbay_v1_api_keys,
  file_patchbay_connector_v1_connector,
  file_health_v1_health,
  file_grpc_reflection_v1_reflection,
];

/** Every service this server answers, in the names health checks accept. */
export const SERVED_SERVICES = [
  "patchbay.v1.CatalogService",
  "patchbay.v1.ConnectionService",
  "patchbay.v1.ExecuteService",
  "patchbay.v1.WebhookService",
  "patchbay.v1.ApiKeyService",
];

/** Registers the Patchbay services, health and reflection; returns the connections' token refresher. */
export function registerRoutes(router: ConnectRouter, deps: AppDeps): TokenRefresher {
  registerCatalog(router, deps.catalog);
  const tokens = registerConnections(router, deps.connections);
  const executeDeps = {
    ...deps.execute,
    useConnection: createConnectionUser(deps.connections, tokens),
    webhookRegistrar: createWebhookRegistrar(deps.webhooks),
  };
  registerExecute(router, executeDeps);
  // Webhook command targets run through the same Execute path (dispatch, failure classes, records).
  deps.webhooks.commands.run = createCommandRunner(executeDeps);
  registerWebhooks(router, deps.webhooks);
  registerApiKeys(router, {
    admin: createApiKeyAdmin({
      em: () => deps.db.em(),
      now: deps.now,
      keys: deps.keys,
      // A new key's tier must be one the rate limits define (any well-formed name while they are off).
      knownTiers: deps.rateLimits === undefined ? undefined : [...deps.rateLimits.keys()],
    }),
    pageTokens: deps.catalog.pageTokens,
    now: deps.now,
  });
  registerHealth(router, { services: SERVED_SERVICES, check: deps.ready });
  registerReflection(router, REFLECTED_FILES);
  return tokens;
}

/**
 * The interceptors, outermost first: request id + log + error mapping, auth, calls in flight + load
 * shedding (before the rate limit, so a refused call costs no counter write), rate limit, and the
 * caller scope that cancels a departed caller's database work.
 */
export function createInterceptors(deps: AppDeps): Interceptor[] {
  return [
    createRequestLogInterceptor(deps.logger),
    createAuthInterceptor(deps.keys),
    createOverloadInterceptor({
      limits: deps.overload?.limits,
      monitor: deps.overload?.monitor,
      logger: deps.logger,
    }),
    createRateLimitInterceptor({ db: deps.db, tiers: deps.rateLimits, logger: deps.logger }),
    createCallerScopeInterceptor({ db: deps.db, logger: deps.logger }),
    // Innermost: a handler sees only input that passed the one input rule (docs/limits.md).
    createInputCheckInterceptor(createInputChecker()),
  ];
}

/** The services the REST bridge routes by their `google.api.http` rules. */
export const REST_SERVICES = [
  CatalogService,
  ConnectionService,
  ExecuteService,
  WebhookService,
  ApiKeyService,
];

/**
 * The request handler for every protocol on the one port: Connect, gRPC and gRPC-Web by procedure path,
 * REST under `/api/` through the bridge (which calls the same router handlers), then plain HTTP routes.
 */
export function createApp(deps: AppDeps): { handler: UniversalHandler; tokens: TokenRefresher } {
  const compressions = [compressionGzip, compressionBrotli];
  const edge = createProcedureEdge({
    logger: deps.logger,
    maxTimeoutMs: MAX_TIMEOUT_MS,
    compressions,
    readMaxBytes: deps.maxBodyBytes,
  });
  // Connect's JSON reader takes a text decoder beside the read options: a body that is not UTF-8 is
  // refused instead of read with U+FFFD in place of the bad bytes.
  const strictJson = { ignoreUnknownFields: true, textDecoder: new TextDecoder("utf-8", { fatal: true }) };
  const router = createConnectRouter({
    interceptors: createInterceptors(deps),
    readMaxBytes: deps.maxBodyBytes,
    acceptCompression: compressions,
    jsonOptions: strictJson,
    requestGate: edge.gate,
    ...(deps.shutdownSignal ? { shutdownSignal: deps.shutdownSignal } : {}),
  });
  const tokens = registerRoutes(router, deps);
  // Every protocol reaches a procedure through the edge, REST included (the bridge calls these handlers).
  const handlers = router.handlers.map((h) => edge.wrap(h));
  const procedures = new Map(handlers.map((h) => [h.requestPath, h]));
  const bridge = createRestBridge({
    handlers,
    services: REST_SERVICES,
    maxBodyBytes: deps.maxBodyBytes,
    logger: deps.logger,
    // The public webhook receiver answers straight from the request (same contract as its REST rule).
    rawHandlers: [createReceiverRoute(deps.webhooks)],
  });
  const docs = createDocsRoutes({});
  const admin = createAdminRoutes();
  const fallback = createHttpFallback({ ready: deps.ready, logger: deps.logger });
  const route: UniversalHandler = (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const procedure = procedures.get(path);
    if (procedure !== undefined) {
      // HTTP/1.0 may omit Host, without which Connect's Node adapter throws (it used to end the process).
      if (req.httpVersionMajor === 1 && req.headers.host === undefined) req.headers.host = "localhost";
      const uReq = universalRequestFromNodeRequest(req as never, res as never, undefined, undefined);
      procedure(uReq)
        .then((uRes) => universalResponseToNodeResponse(uRes, res as never))
        .catch((error: unknown) => deps.logger.debug({ err: error }, "response stream ended early"));
      return;
    }
    if (path.startsWith(REST_PREFIX)) {
      bridge.handle(req as never, res as never);
      return;
    }
    const reqId = requestIdFrom(headerText(req.headers[REQUEST_ID_HEADER]));
    res.setHeader(REQUEST_ID_HEADER, reqId);
    if (docs(req as never, res as never)) return;
    if (admin(req as never, res as never)) return;
    fallback(req as never, res as never, reqId);
  };
  const handler: UniversalHandler = (req, res) => {
    try {
      route(req, res);
    } catch (error) {
      // Nothing a request holds may throw out of the server's request event: that would end the process.
      const reqId = requestIdFrom(headerText(req.headers[REQUEST_ID_HEADER]));
      deps.logger.error({ reqId, code: "internal", err: error }, "request failed unexpectedly");
      if (res.headersSent) res.destroy();
      else {
        res.statusCode = 500;
        res.setHeader(REQUEST_ID_HEADER, reqId);
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ code: "internal", message: `internal error (request ${reqId})` }));
      }
    }
  };
  return { handler, tokens };
}

function headerText(value: string | string[] | undefined): string | null {
  return typeof value === "string" ? value : null;
}
