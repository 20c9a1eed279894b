import { Counter, type Registry } from "prom-client";

/** How one OAuth token refresh ended. */
export type RefreshOutcome = "refreshed" | "reauthorization_required" | "failed";

/** Connections' metrics: OAuth token refreshes. */
export interface ConnectionMetrics {
  /** A token request to a provider ended (after its retries). */
  refreshed(outcome: RefreshOutcome): void;
  /** A caller waited for a refresh another caller of this process had begun (single flight). */
  joinedRefresh(): void;
}

export function createConnectionMetrics(registry: Registry): ConnectionMetrics {
  const refreshes = new Counter({
    name: "patchbay_oauth_refreshes_total",
    help: "OAuth token refreshes, by outcome (refreshed, reauthorization_required, failed).",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const joined = new Counter({
    name: "patchbay_oauth_refresh_waits_total",
    help: "Callers that waited for a token refresh already under way in this process instead of making their own.",
    registers: [registry],
  });
  return {
    refreshed: (outcome) => refreshes.inc({ outcome }),
    joinedRefresh: () => joined.inc(),
  };
}
