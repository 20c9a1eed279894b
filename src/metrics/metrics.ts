import { collectDefaultMetrics, Registry } from "prom-client";
import { type ConnectionMetrics, createConnectionMetrics } from "./connection-metrics.ts";
import { createExecuteMetrics, type ExecuteLabelOptions, type ExecuteMetrics } from "./execute-metrics.ts";
import { createOutboundMetrics, type OutboundMetrics } from "./outbound-metrics.ts";
import { createPlatformMetrics, type PlatformMetrics } from "./platform-metrics.ts";
import { createRpcMetrics, type RpcMetrics } from "./rpc-metrics.ts";
import { createSandboxMetrics, type SandboxMetrics } from "./sandbox-metrics.ts";
import { createWebhookMetrics, type WebhookMetrics } from "./webhook-metrics.ts";

const MISNAMED = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/** Every metric Patchbay exposes, in one registry of its own (docs/observability.md lists them). */
export interface Metrics {
  readonly registry: Registry;
  readonly rpc: RpcMetrics;
  readonly execute: ExecuteMetrics;
  readonly platform: PlatformMetrics;
  readonly connections: ConnectionMetrics;
  readonly sandbox: SandboxMetrics;
  readonly outbound: OutboundMetrics;
  readonly webhooks: WebhookMetrics;
}

/** How the metrics label what callers choose (docs/observability.md). */
export type MetricsOptions = ExecuteLabelOptions;

/** The labels' defaults: tenants' connectors unnamed, 200 connectors, 2,000 commands. */
export const DEFAULT_METRICS_OPTIONS: MetricsOptions = {
  connectorLabels: "public",
  maxConnectors: 200,
  maxCommands: 2_000,
};

/**
 * Builds the registry: the process and Node runtime metrics (CPU, memory, heap, event-loop lag, GC) and
 * Patchbay's own. Each server has its own registry (never prom-client's global one), so two servers in
 * one process, as tests run them, count apart.
 */
export function createMetrics(options: MetricsOptions = DEFAULT_METRICS_OPTIONS): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  // Gauges named like counters, which Prometheus' own lint refuses; the same counts remain without the
  // suffix (nodejs_active_handles, nodejs_active_requests, nodejs_active_resources).
  for (const name of MISNAMED) registry.removeSingleMetric(name);
  return {
    registry,
    rpc: createRpcMetrics(registry),
    execute: createExecuteMetrics(registry, options),
    platform: createPlatformMetrics(registry),
    connections: createConnectionMetrics(registry),
    sandbox: createSandboxMetrics(registry),
    outbound: createOutboundMetrics(registry),
    webhooks: createWebhookMetrics(registry),
  };
}
