import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Database } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import { whenResponseDone } from "./when-response-done.ts";

/** Options for {@link createCallerScopeInterceptor}. */
export interface CallerScopeInterceptorOptions {
  /** The database whose statements follow their caller. */
  readonly db: Pick<Database, "forCaller">;
  /** Receives a warning per call that hit the statement timeout. */
  readonly logger: Logger;
}

// PostgreSQL's query_canceled: a statement timeout, or a cancel request (sent only for callers that left);
// and the code of a statement not sent because its caller had left (CallerGoneError).
const QUERY_CANCELED = "57014";
const CALLER_GONE = "CALLER_GONE";

/** The database's code for why a statement ended early, looked for through the ORM's wrapping. */
function cutShort(error: unknown): typeof QUERY_CANCELED | typeof CALLER_GONE | undefined {
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === QUERY_CANCELED || code === CALLER_GONE) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Runs every handler for its caller (`db.forCaller`): the database reads of a call whose client leaves
 * or whose deadline passes while the handler runs are cancelled in PostgreSQL. The link ends when the
 * handler returns (for a streaming call, when its stream ends), because Connect also aborts a call's
 * signal when the call completes normally, and work the call left behind (a batch it joined, a cache it
 * filled) must not be cancelled then. A streaming handler's statements are tied to its caller while
 * the handler itself runs; those made while its messages are pulled run in the pulling context.
 *
 * A statement cut by the statement timeout while its caller is still there answers DEADLINE_EXCEEDED
 * (REST 504) instead of an internal error; one cut because the caller left (or its deadline passed)
 * answers with the reason the call ended (CANCELED or DEADLINE_EXCEEDED).
 */
export function createCallerScopeInterceptor(options: CallerScopeInterceptorOptions): Interceptor {
  const { db, logger } = options;
  return (next) => async (req) => {
    const caller = new AbortController();
    const leave = () => caller.abort(req.signal.reason);
    if (req.signal.aborted) leave();
    else req.signal.addEventListener("abort", leave, { once: true });
    const detach = () => req.signal.removeEventListener("abort", leave);
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await db.forCaller(caller.signal, () => next(req));
    } catch (error) {
      detach();
      const cut = cutShort(error);
      if (cut !== undefined && req.signal.aborted) {
        const reason: unknown = req.signal.reason;
        throw reason instanceof ConnectError
          ? reason
          : new ConnectError("the call was canceled", Code.Canceled, undefined, undefined, error);
      }
      if (cut === QUERY_CANCELED) {
        logger.warn(
          { procedure: `/${req.service.typeName}/${req.method.name}`, code: "DB_STATEMENT_TIMEOUT" },
          "a database statement ran past the statement timeout and was cancelled",
        );
        throw new ConnectError(
          "the database did not answer in time (statement timeout)",
          Code.DeadlineExceeded,
          undefined,
          undefined,
          error,
        );
      }
      throw error;
    }
    return whenResponseDone(res, detach);
  };
}
