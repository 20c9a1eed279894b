export type { ConnectionMetrics, RefreshOutcome } from "./connection-metrics.ts";
export type { ExecutedCommand, ExecuteMetrics } from "./execute-metrics.ts";
export { listenForMetrics, type MetricsListener } from "./listen-for-metrics.ts";
export { createMetrics, DEFAULT_METRICS_OPTIONS, type Metrics, type MetricsOptions } from "./metrics.ts";
export {
  createMetricsHistory,
  DEFAULT_SAMPLE_MS,
  HISTORY_SAMPLES,
  type MetricsHistory,
  type MetricsHistoryOptions,
  type OverviewChart,
  type OverviewChartKey,
  type OverviewData,
} from "./metrics-history.ts";
export { createMetricsRoute, METRICS_PATH } from "./metrics-route.ts";
export type { OutboundMetrics } from "./outbound-metrics.ts";
export type { PlatformMetrics, PoolReading } from "./platform-metrics.ts";
export type { RpcMetrics } from "./rpc-metrics.ts";
export type { SandboxMetrics } from "./sandbox-metrics.ts";
export type {
  WebhookJobsReading,
  WebhookMetrics,
  WebhookQueueReading,
  WebhookRejection,
  WebhookTargetResult,
} from "./webhook-metrics.ts";
