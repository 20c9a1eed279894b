import type { EgressGuard } from "./egress-guard.ts";
import type { OutboundClient } from "./outbound-client.ts";
import { OutboundError } from "./outbound-error.ts";

/** What counts requests (the metrics' outbound part; a leaf folder names no feature). */
export interface OutboundObserver {
  /** One request ended: its status class (`2xx`) or failure code in lower case, after `seconds`. */
  requested(outcome: string, seconds: number): void;
}

/**
 * The same client, counting each request's outcome and time (`metrics`); the guard's `fetch` too, which
 * OAuth token requests and description fetches use. Nothing about a request but its outcome is kept.
 */
export function instrumentOutbound(client: OutboundClient, metrics: OutboundObserver): OutboundClient {
  const timed = async <T>(work: () => Promise<T>, status: (answer: T) => number): Promise<T> => {
    const started = performance.now();
    try {
      const answer = await work();
      metrics.requested(`${Math.floor(status(answer) / 100)}xx`, (performance.now() - started) / 1000);
      return answer;
    } catch (error) {
      const outcome = error instanceof OutboundError ? error.code.toLowerCase() : "canceled";
      metrics.requested(outcome, (performance.now() - started) / 1000);
      throw error;
    }
  };
  const counted = (guard: EgressGuard): EgressGuard => ({
    ...guard,
    fetch: (input, init) =>
      timed(
        () => guard.fetch(input, init),
        (res) => res.status,
      ),
    withMaxResponseBytes: (maxBytes) => counted(guard.withMaxResponseBytes(maxBytes)),
  });
  return {
    ...client,
    guard: counted(client.guard),
    request: (url, init) =>
      timed(
        () => client.request(url, init),
        (res) => res.status,
      ),
    close: () => client.close(),
  };
}
