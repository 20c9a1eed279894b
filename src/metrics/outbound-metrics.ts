import type { Registry } from "prom-client";
import { createLabeledCounter } from "./labeled-counter.ts";
import { createLabeledHistogram } from "./labeled-histogram.ts";

/** Metrics of the server's own HTTP requests to upstreams (connectors, OAuth, descriptions). */
export interface OutboundMetrics {
  /**
   * One request ended: `outcome` is its status class (`2xx` … `5xx`) or its failure code in lower case
   * (`egress_refused`, `timeout`, `network`, …); `seconds` from sending to the whole answer.
   */
  requested(outcome: string, seconds: number): void;
}

/** Failure codes that are a refusal by an egress policy (the server's or an on-premise agent's). */
const REFUSALS = new Set(["egress_refused", "bad_url", "agent_egress_refused"]);
const OUTBOUND_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createOutboundMetrics(registry: Registry): OutboundMetrics {
  const requests = createLabeledCounter(registry, {
    name: "patchbay_outbound_requests_total",
    help: "HTTP requests Patchbay made to upstreams for connectors, by outcome (status class or failure code).",
    labelNames: ["outcome"] as const,
  });
  const refusals = createLabeledCounter(registry, {
    name: "patchbay_egress_refusals_total",
    help: "Outbound requests refused before any connection, by reason (egress_refused, bad_url, agent_egress_refused).",
    labelNames: ["reason"] as const,
  });
  const latency = createLabeledHistogram(registry, {
    name: "patchbay_outbound_duration_seconds",
    help: "Time of an HTTP request to an upstream that answered, by status class.",
    labelNames: ["status"] as const,
    buckets: OUTBOUND_BUCKETS,
  });
  return {
    requested(outcome, seconds) {
      requests.series(outcome).inc();
      if (REFUSALS.has(outcome)) refusals.series(outcome).inc();
      else if (/^[1-5]xx$/.test(outcome)) latency.series(outcome).observe(seconds);
    },
  };
}
