import { Code, ConnectError } from "@connectrpc/connect";
import type { ConnectorResult } from "../define/outcome.ts";

/** One call in flight on a client. */
export interface ClientCall {
  /** Aborted when the caller's signal aborts (with its reason) or when the client closes. */
  readonly signal: AbortSignal;
  /** The call returned: forget it. */
  end(): void;
}

/** The calls in flight on one external connector client, so that closing the client ends them. */
export interface ClientCalls {
  /** True once {@link ClientCalls.close} ran. */
  readonly closed: boolean;
  /** Starts a call under the caller's `signal`; undefined once the client is closed (nothing may start). */
  begin(signal: AbortSignal | undefined): ClientCall | undefined;
  /** Aborts every call in flight and refuses new ones. */
  close(): void;
}

/** Why a call on a closed client ended: the server closed it (it stops), not the caller nor the connector. */
export function closedError(): ConnectError {
  return new ConnectError("connector client closed", Code.Canceled);
}

/** A call's result when its client was closed before it could answer. */
export function closedResult(): ConnectorResult {
  return { success: false, error: "connector client closed", errorCode: "CANCELED" };
}

/** The calls of one client: each gets its own controller, undone when it ends (no listener outlives it). */
export function createClientCalls(): ClientCalls {
  const running = new Set<AbortController>();
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    begin(signal) {
      if (closed) return undefined;
      const controller = new AbortController();
      const forward = () => controller.abort(signal?.reason);
      if (signal?.aborted) controller.abort(signal.reason);
      else signal?.addEventListener("abort", forward, { once: true });
      running.add(controller);
      return {
        signal: controller.signal,
        end() {
          running.delete(controller);
          signal?.removeEventListener("abort", forward);
        },
      };
    },
    close() {
      closed = true;
      for (const controller of running) controller.abort(closedError());
      running.clear();
    },
  };
}
