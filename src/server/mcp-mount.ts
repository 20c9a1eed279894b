import { performance } from "node:perf_hooks";
import { createRouterTransport, type Transport } from "@connectrpc/connect";
import { LRUCache } from "lru-cache";
import { createAuthInterceptor } from "../auth/index.ts";
import { listAuthlessConnectorSlugs } from "../catalog/index.ts";
import { type ActiveConnection, listActiveConnections } from "../connections/index.ts";
import { type Sandbox, ScriptErrorCode } from "../connectors/script/index.ts";
import { createNativeQuery } from "../db/index.ts";
import { createMcpHandler, MCP_PATH, type McpDeps, mcpMetricProcedure } from "../mcp/index.ts";
import type { RpcMetrics } from "../metrics/index.ts";
import { createCallerScopeInterceptor } from "../overload/index.ts";
import { REQUEST_ID_HEADER } from "../protocol/headers.ts";
import type { NodeReq, NodeRes } from "../protocol/node-types.ts";
import { requestIdFrom, requestInfoKey } from "../protocol/request-info.ts";
import type { RateLimitCheck } from "../ratelimit/index.ts";
import type { AppDeps } from "./app-deps.ts";
import { checkJsonValue } from "./input/check-json-value.ts";
import { createInputChecker, type InputChecker } from "./input/create-input-checker.ts";
import { INPUT_LIMITS } from "./input/input-limits.ts";
import { createInputCheckInterceptor } from "./interceptors/input-check.ts";
import type { RequestLog } from "./interceptors/log-request.ts";
import { createRequestLogInterceptor } from "./interceptors/request-log.ts";
import { BridgeError } from "./rest/bridge-error.ts";
import { readBody } from "./rest/read-request.ts";
import { routes } from "./routes.ts";

/**
 * Mounts the MCP endpoint (src/mcp) on the one port with the other protocols' body limit (the REST
 * bridge's reader), request id and one request log line (the interceptors' `logRequest`).
 */
export function createMcpRoute(
  deps: AppDeps,
  admit: McpDeps["admit"],
  /** The server's request log, for `/mcp` requests and the procedures they call. */
  requestLog: RequestLog,
  /** The key's rate limit, on the same counters as the interceptor's: one limit per key across protocols. */
  rateLimit: RateLimitCheck,
): (req: NodeReq, res: NodeRes, reqId: string) => void {
  const query = createNativeQuery(() => deps.db.em());
  // One input checker for the procedures MCP calls in process and for what MCP checks itself.
  const checkInput = createInputChecker();
  // What a tools/call reads to resolve its tool's name, kept for a moment (src/mcp/connector-tools.ts
  // says why that is safe): the auth-less connectors per tenant, the connections per tenant and subject.
  const keptAuthless = new LRUCache<string, readonly string[]>({
    max: 10_000,
    ttl: 2_000,
    fetchMethod: (tenantId) => listAuthlessConnectorSlugs(query, tenantId),
  });
  const keptConnections = new LRUCache<string, readonly ActiveConnection[]>({
    max: 10_000,
    ttl: 2_000,
    fetchMethod: (owner) => {
      const [tenantId = "", subject = ""] = JSON.parse(owner) as string[];
      return listActiveConnections(query, { tenantId, subject });
    },
  });
  const handler = createMcpHandler({
    activeConnections: (principal) => listActiveConnections(query, principal),
    authlessConnectors: (tenantId) => listAuthlessConnectorSlugs(query, tenantId),
    keptAuthlessConnectors: async (tenantId) => (await keptAuthless.fetch(tenantId)) ?? [],
    keptActiveConnections: async ({ tenantId, subject }) =>
      (await keptConnections.fetch(JSON.stringify([tenantId, subject]))) ?? [],
    lookup: deps.services.execute.lookup,
    commands: deps.services.commands,
    api: createInProcessApi(deps, requestLog, checkInput),
    input: { check: checkInput, checkJson: checkJsonValue, maxDepth: INPUT_LIMITS.maxDepth },
    keys: deps.keys,
    admit,
    rateLimit,
    logger: deps.logger,
    pageTokens: deps.services.catalog.pageTokens,
    publicUrl: deps.services.connections.publicUrl,
    notices: deps.mcp.notices,
    replies: deps.mcp.replies,
    shutdown: deps.shutdownSignal,
    checkScript: createScriptCheck(deps.services.execute.sandbox),
    readBody: (req) =>
      readBody(req, deps.maxBodyBytes).catch((error: unknown) => {
        if (error instanceof BridgeError) return undefined;
        throw error;
      }),
    maxBodyBytes: deps.maxBodyBytes,
  });
  // MCP requests count in the RPC metrics as protocol `mcp`, under a procedure from a fixed set.
  const rpc = deps.metrics?.rpc;
  const counted: RpcMetrics | undefined =
    rpc === undefined
      ? undefined
      : {
          begin: (procedure, protocol) => rpc.begin(mcpMetricProcedure(procedure), protocol),
          finished: (procedure, protocol, code, seconds) =>
            rpc.finished(mcpMetricProcedure(procedure), protocol, code, seconds),
        };
  return (req, res, reqId) => {
    const start = performance.now();
    // In flight under `/mcp`: which method a request carries is known only once its body is read.
    const ended = counted?.begin(MCP_PATH, "mcp");
    handler(req, res).then(
      (outcome) => {
        ended?.();
        requestLog.write(
          { reqId, procedure: outcome.procedure, protocol: "mcp", start, principal: outcome.principal },
          outcome.error,
          counted,
        );
      },
      (error: unknown) => {
        ended?.();
        requestLog.write({ reqId, procedure: MCP_PATH, protocol: "mcp", start }, error, counted);
        if (res.headersSent) res.destroy();
        else {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ code: "internal", message: `internal error (request ${reqId})` }));
        }
      },
    );
  };
}

/**
 * Compiles a script in the tenant's sandbox without running any of its commands: it is run for a command
 * no script can define, so it compiles and runs its top level (declarations, with no way out: every HTTP
 * call is refused and the limits are tight) and ends with UNKNOWN_COMMAND when it is sound.
 */
export function createScriptCheck(sandbox: Sandbox): McpDeps["checkScript"] {
  return async (tenant, source) => {
    const result = await sandbox.run(
      source,
      { command: "__patchbay_command__", params: {}, config: {}, variables: {} },
      {
        tenant,
        http: () => Promise.reject(new Error("no HTTP while checking a script")),
        limits: { cpuMs: 1_000, wallMs: 5_000, httpCalls: 1, memoryMb: 32 },
      },
    );
    if (result.errorCode === ScriptErrorCode.UNKNOWN_COMMAND) return undefined;
    return result.error ?? result.errorCode ?? "the script did not compile";
  };
}

/**
 * The server's own procedures in process, for the MCP building tools: the same registration (`routes`)
 * and the interceptors that decide what a call may do and say: the error edge and log line, auth with the
 * method's scope, the caller scope and the input rules. Chosen over calling the features' functions so
 * that each tool's checks are the RPC's by construction (handlers, access option, request rules, body
 * limits per method) with no second copy. The overload and rate-limit interceptors are left out: the
 * `/mcp` request that makes the call was already counted against the key's limit.
 */
function createInProcessApi(deps: AppDeps, requestLog: RequestLog, checkInput: InputChecker): Transport {
  return createRouterTransport((router) => routes(router, deps.services, deps.ready), {
    router: {
      interceptors: [
        // These calls are MCP's: their log lines (and anything else that reads the request's protocol)
        // say so, under the id of the `/mcp` request that made them.
        (next) => (req) => {
          req.contextValues.set(requestInfoKey, {
            id: requestIdFrom(req.header.get(REQUEST_ID_HEADER)),
            protocol: "mcp",
            start: performance.now(),
            handled: false,
          });
          return next(req);
        },
        createRequestLogInterceptor(requestLog),
        createAuthInterceptor(deps.keys),
        createCallerScopeInterceptor({ db: deps.db, logger: deps.logger }),
        createInputCheckInterceptor(checkInput),
      ],
      readMaxBytes: deps.maxBodyBytes,
      // As the server's own router: a stop ends these calls once its grace period is half over.
      ...(deps.shutdownSignal ? { shutdownSignal: deps.shutdownSignal } : {}),
    },
  });
}
