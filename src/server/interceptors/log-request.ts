import { performance } from "node:perf_hooks";
import { Code, ConnectError } from "@connectrpc/connect";
import { createUnredactedLogger, type Logger } from "../../logging/logger.ts";
import type { RpcMetrics } from "../../metrics/index.ts";
import { codeName } from "../../protocol/errors.ts";

/** What one request's log line says besides its outcome. */
export interface RequestLine {
  readonly reqId: string;
  /** `/package.Service/Method`. */
  readonly procedure: string;
  readonly protocol: string;
  /** `performance.now()` when the request arrived. */
  readonly start: number;
  /** The API key's id, for authenticated calls. */
  readonly principal?: string | undefined;
  /** The call's trace and span ids, when it is traced. */
  readonly trace?: { readonly traceId: string; readonly spanId: string } | undefined;
}

/** Milliseconds since `start` (a `performance.now()`), to two decimals, as log lines give them. */
export function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}

/**
 * True when a call's signal ended because the client went away (or the server began to stop), not
 * because its deadline passed: such a call is logged as `canceled`, at info level, whatever the handler
 * threw afterwards.
 */
export function clientLeft(signal: AbortSignal): boolean {
  if (!signal.aborted) return false;
  const reason: unknown = signal.reason;
  return !(reason instanceof ConnectError && reason.code === Code.DeadlineExceeded);
}

/** Where every call's one log line goes; made once per server by {@link createRequestLog}. */
export interface RequestLog {
  /**
   * Writes the one log line of a finished call (and counts it in the RPC metrics): request id, procedure,
   * protocol, code, duration and principal id; never headers, messages or payloads. An unexpected
   * exception (not a `ConnectError`) and an `INTERNAL` are errors, logged with their cause; everything
   * else is an info line.
   */
  write(
    request: RequestLine,
    error: unknown,
    /** Counts the call too, when metrics are on. */
    rpc?: RpcMetrics,
  ): void;
}

/**
 * The request log over `logger`. The info line's keys are the fixed ones above, none a secret's, so it
 * goes through a logger without redaction: at the default level every call writes one, and the process
 * logger's wildcard redaction would cost it about twenty times its writing. A line with a cause carries
 * an object from outside and keeps the full redaction. This is the one place that choice is made.
 */
export function createRequestLog(logger: Logger): RequestLog {
  const fixedFields = createUnredactedLogger(logger);
  return {
    write(request, error, rpc) {
      const code =
        error === undefined ? "ok" : codeName(error instanceof ConnectError ? error.code : Code.Internal);
      rpc?.finished(request.procedure, request.protocol, code, (performance.now() - request.start) / 1000);
      const line = {
        reqId: request.reqId,
        procedure: request.procedure,
        protocol: request.protocol,
        code,
        durationMs: elapsedMs(request.start),
        principal: request.principal,
        ...(request.trace === undefined
          ? {}
          : { traceId: request.trace.traceId, spanId: request.trace.spanId }),
      };
      if (error !== undefined && !(error instanceof ConnectError)) {
        logger.error({ ...line, err: error }, "request failed unexpectedly");
      } else if (error instanceof ConnectError && error.code === Code.Internal) {
        logger.error({ ...line, err: error.cause ?? error.rawMessage }, "request failed");
      } else {
        fixedFields.info(line, "request");
      }
    },
  };
}
