import { performance } from "node:perf_hooks";
import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { principalKey } from "../../auth/principal.ts";
import type { RpcMetrics } from "../../metrics/index.ts";
import { toClientError } from "../../protocol/errors.ts";
import { BRIDGE_MARKER_HEADER, REQUEST_ID_HEADER } from "../../protocol/headers.ts";
import { protocolOf, requestIdFrom, requestInfoKey } from "../../protocol/request-info.ts";
import { type Tracing, traceContextKey } from "../../tracing/index.ts";
import { clientLeft, type RequestLog } from "./log-request.ts";
import { endRpcSpan, startRpcSpan } from "./rpc-span.ts";

/**
 * The outermost interceptor: takes the request id the procedure edge assigned (or assigns one), writes
 * one log line per call that reaches the interceptors (request id, procedure, protocol, code, duration,
 * principal id), counts it in the RPC metrics when they are on, and turns unexpected exceptions into a generic `INTERNAL` whose cause is logged, never
 * sent. The line holds no headers, messages or payloads. Calls refused before it are the edge's to log.
 */
export function createRequestLogInterceptor(
  requestLog: RequestLog,
  rpc?: RpcMetrics,
  tracing?: Tracing,
): Interceptor {
  // One string per procedure, made once: a string built per call would be hashed again by every Map
  // it is looked up in (the metrics' series).
  const procedures = new WeakMap<DescMethod, string>();
  return (next) => async (req) => {
    // The procedure edge fixed the id before Connect read the request; a router without it gets one here.
    let info = req.contextValues.get(requestInfoKey);
    if (info === undefined) {
      info = {
        id: requestIdFrom(req.header.get(REQUEST_ID_HEADER)),
        protocol: protocolOf(req.header.get("content-type"), req.header.has(BRIDGE_MARKER_HEADER)),
        start: performance.now(),
        handled: true,
      };
      req.contextValues.set(requestInfoKey, info);
    }
    info.handled = true;
    const { id } = info;
    let procedure = procedures.get(req.method);
    if (procedure === undefined) {
      procedure = `/${req.service.typeName}/${req.method.name}`;
      procedures.set(req.method, procedure);
    }
    const ended = rpc?.begin(procedure, info.protocol);
    const traced = tracing === undefined ? undefined : startRpcSpan(tracing, req, info.protocol);
    if (traced !== undefined) req.contextValues.set(traceContextKey, traced.context);
    const finish = (error: unknown) => {
      ended?.();
      if (traced !== undefined) endRpcSpan(traced.span, error);
      requestLog.write(
        {
          reqId: id,
          procedure,
          protocol: info.protocol,
          start: info.start,
          principal: req.contextValues.get(principalKey)?.keyId,
          trace: traced?.span.spanContext(),
        },
        error,
        rpc,
      );
    };
    const fail = (error: unknown): never => {
      // A client that goes away mid-call is not a server failure, whatever the handler threw then.
      finish(clientLeft(req.signal) ? new ConnectError("canceled", Code.Canceled) : error);
      const clientError = toClientError(error, id);
      clientError.metadata.set(REQUEST_ID_HEADER, id);
      throw clientError;
    };
    let res: Awaited<ReturnType<typeof next>>;
    try {
      // The handler's database statements are spans of the call (or of the step it is in).
      res = await (traced === undefined || tracing === undefined
        ? next(req)
        : tracing.run(traced.context, () => next(req)));
    } catch (error) {
      return fail(error);
    }
    res.header.set(REQUEST_ID_HEADER, id);
    if (!res.stream) {
      finish(undefined);
      return res;
    }
    // A streaming call ends when its last message is sent (or the client goes away); log then.
    const messages = res.message;
    return {
      ...res,
      message: (async function* () {
        let failed = false;
        try {
          yield* messages;
        } catch (error) {
          failed = true;
          fail(error);
        } finally {
          if (!failed)
            finish(clientLeft(req.signal) ? new ConnectError("canceled", Code.Canceled) : undefined);
        }
      })(),
    };
  };
}
