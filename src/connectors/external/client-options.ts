import type { LookupFunction } from "node:net";

/** Settings shared by the protocol clients, defaults filled in. */
export interface ResolvedClientOptions {
  endpointUrl: string;
  timeoutMs: number;
  maxResponseBytes: number;
  fetch: typeof globalThis.fetch;
  lookup?: LookupFunction;
  /** Carries every request of protocols `http` and `connect` instead of the client's own connections. */
  relay?: typeof globalThis.fetch;
}

/** The time budget of one call: the client's, lowered by the request's own. */
export function callTimeout(options: ResolvedClientOptions, requested: number | undefined): number {
  return requested !== undefined && requested > 0
    ? Math.min(requested, options.timeoutMs)
    : options.timeoutMs;
}
