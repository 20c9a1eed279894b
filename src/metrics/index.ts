export { listenForMetrics, type MetricsListener } from "./listen-for-metrics.ts";
export { createMetrics, type Metrics } from "./metrics.ts";
export { createMetricsRoute, METRICS_PATH } from "./metrics-route.ts";
export type { RpcMetrics } from "./rpc-metrics.ts";
