import { performance } from "node:perf_hooks";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { principalKey } from "../../auth/principal.ts";
import type { Logger } from "../../logging/logger.ts";
import { toClientError } from "../errors.ts";
import { BRIDGE_MARKER_HEADER, protocolOf, requestIdFrom, requestInfoKey } from "../request-info.ts";
import { logRequest } from "./log-request.ts";

/**
 * The outermost interceptor: assigns the request id, writes one log line per call (request id,
 * procedure, protocol, code, duration, principal id) and turns unexpected exceptions into a generic
 * `INTERNAL` whose cause is logged, never sent. The line holds no headers, messages or payloads.
 */
export function createRequestLogInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const id = requestIdFrom(req.header.get("x-request-id"));
    const info = {
      id,
      protocol: protocolOf(req.header.get("content-type"), req.header.has(BRIDGE_MARKER_HEADER)),
      start: performance.now(),
    };
    req.contextValues.set(requestInfoKey, info);
    const procedure = `/${req.service.typeName}/${req.method.name}`;
    const finish = (error: unknown) =>
      logRequest(
        logger,
        {
          reqId: id,
          procedure,
          protocol: info.protocol,
          start: info.start,
          principal: req.contextValues.get(principalKey)?.keyId,
        },
        error,
      );
    const fail = (error: unknown): never => {
      // A client that goes away mid-call is not a server failure.
      finish(
        req.signal.aborted && !(error instanceof ConnectError)
          ? new ConnectError("canceled", Code.Canceled)
          : error,
      );
      const clientError = toClientError(error, id);
      clientError.metadata.set("x-request-id", id);
      throw clientError;
    };
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await next(req);
    } catch (error) {
      return fail(error);
    }
    res.header.set("x-request-id", id);
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
          if (!failed) finish(req.signal.aborted ? new ConnectError("canceled", Code.Canceled) : undefined);
        }
      })(),
    };
  };
}
