import type { Registry } from "prom-client";
import { createLabeledCounter } from "./labeled-counter.ts";
import { createLabeledGauge } from "./labeled-gauge.ts";
import { createLabeledHistogram } from "./labeled-histogram.ts";

/** The RPC metrics: every call of every protocol, by procedure, protocol and code. */
export interface RpcMetrics {
  /** A call reached the interceptors; the returned function is called once when it ends. */
  begin(procedure: string, protocol: string): () => void;
  /** A call ended with `code` (a gRPC code name in lower case) after `seconds`. */
  finished(procedure: string, protocol: string, code: string, seconds: number): void;
}

/** Upper bounds of the RPC duration histogram, in seconds. */
const RPC_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120];

export function createRpcMetrics(registry: Registry): RpcMetrics {
  const requests = createLabeledCounter(registry, {
    name: "patchbay_rpc_requests_total",
    help: "RPCs answered, by procedure, protocol (grpc, grpc-web, connect, rest, mcp) and code.",
    labelNames: ["procedure", "protocol", "code"] as const,
  });
  const duration = createLabeledHistogram(registry, {
    name: "patchbay_rpc_duration_seconds",
    help: "Time from a call's arrival to its answer (a stream's end), by procedure and protocol.",
    labelNames: ["procedure", "protocol"] as const,
    buckets: RPC_BUCKETS,
  });
  const inFlight = createLabeledGauge(registry, {
    name: "patchbay_rpc_in_flight",
    help: "RPCs being served now (streams included), by procedure and protocol.",
    labelNames: ["procedure", "protocol"] as const,
  });
  return {
    begin(procedure, protocol) {
      const gauge = inFlight.series(procedure, protocol);
      gauge.inc();
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        gauge.dec();
      };
    },
    finished(procedure, protocol, code, seconds) {
      requests.series(procedure, protocol, code).inc();
      duration.series(procedure, protocol).observe(seconds);
    },
  };
}
