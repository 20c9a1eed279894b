import { Counter, Gauge, Histogram, type Registry } from "prom-client";

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
  const requests = new Counter({
    name: "patchbay_rpc_requests_total",
    help: "RPCs answered, by procedure, protocol (grpc, grpc-web, connect, rest, mcp) and code.",
    labelNames: ["procedure", "protocol", "code"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "patchbay_rpc_duration_seconds",
    help: "Time from a call's arrival to its answer (a stream's end), by procedure and protocol.",
    labelNames: ["procedure", "protocol"] as const,
    buckets: RPC_BUCKETS,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: "patchbay_rpc_in_flight",
    help: "RPCs being served now (streams included), by procedure and protocol.",
    labelNames: ["procedure", "protocol"] as const,
    registers: [registry],
  });
  // Each procedure and protocol's children, found once: prom-client would otherwise hash the label
  // object on every call, four times a call. Procedures are the served ones, so the map stays small.
  interface Children {
    readonly inFlight: ReturnType<typeof inFlight.labels>;
    readonly duration: ReturnType<typeof duration.labels>;
    readonly byCode: Map<string, ReturnType<typeof requests.labels>>;
  }
  const children = new Map<string, Children>();
  const childrenOf = (procedure: string, protocol: string): Children => {
    const key = `${procedure}\u0000${protocol}`;
    let found = children.get(key);
    if (found === undefined) {
      found = {
        inFlight: inFlight.labels({ procedure, protocol }),
        duration: duration.labels({ procedure, protocol }),
        byCode: new Map(),
      };
      children.set(key, found);
    }
    return found;
  };
  return {
    begin(procedure, protocol) {
      const { inFlight: gauge } = childrenOf(procedure, protocol);
      gauge.inc();
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        gauge.dec();
      };
    },
    finished(procedure, protocol, code, seconds) {
      const { duration: histogram, byCode } = childrenOf(procedure, protocol);
      let counter = byCode.get(code);
      if (counter === undefined) {
        counter = requests.labels({ procedure, protocol, code });
        byCode.set(code, counter);
      }
      counter.inc();
      histogram.observe(seconds);
    },
  };
}
