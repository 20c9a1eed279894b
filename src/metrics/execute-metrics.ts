import { Counter, type Registry } from "prom-client";
import { createLabelCap, createPairCap } from "./label-cap.ts";
import { createLabeledCounter } from "./labeled-counter.ts";
import { createLabeledHistogram } from "./labeled-histogram.ts";

/** One command run (or answered by a mock scenario), as Execute and webhook command targets finish it. */
export interface ExecutedCommand {
  readonly connector: string;
  /** True for a connector a tenant made (its name and commands are that tenant's, not the operator's). */
  readonly tenantOwned: boolean;
  readonly command: string;
  /** built_in, script, openapi or external. */
  readonly model: string;
  /** `success`, or the failure class (upstream_auth, timeout, …). */
  readonly outcome: string;
  /** True when the command was unknown to the connector (its name is the caller's text). */
  readonly unknownCommand: boolean;
  /**
   * True when a mock scenario answered instead of the command (the call's `mock_scenario` or the
   * connector's mock mode): nothing went upstream.
   */
  readonly mocked: boolean;
  readonly seconds: number;
}

/** Execute's metrics. */
export interface ExecuteMetrics {
  executed(run: ExecutedCommand): void;
  /** An Execute answered from its idempotency key's stored reply, without running. */
  replayed(): void;
}

/** How connector and command labels are chosen. */
export interface ExecuteLabelOptions {
  /**
   * `public`: tenants' own connectors count as `tenant` (their names are tenants' data, and /metrics is
   * not per tenant); `all`: every connector by its slug.
   */
  readonly connectorLabels: "public" | "all";
  /** Distinct connector labels kept; later ones count as `other`. */
  readonly maxConnectors: number;
  /** Distinct connector-and-command pairs kept; later commands count as `other`. */
  readonly maxCommands: number;
}

/** A tenant's connector, when its name is not shown. */
export const TENANT_LABEL = "tenant";
const EXECUTE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120];

export function createExecuteMetrics(registry: Registry, options: ExecuteLabelOptions): ExecuteMetrics {
  const executions = createLabeledCounter(registry, {
    name: "patchbay_executions_total",
    help: "Connector commands run (Execute and webhook command targets), by connector, command, execution model and outcome; runs a mock scenario answered count in patchbay_mocked_executions_total.",
    labelNames: ["connector", "command", "model", "outcome"] as const,
  });
  const duration = createLabeledHistogram(registry, {
    name: "patchbay_execution_duration_seconds",
    help: "Time a connector command ran, by connector and execution model (runs a mock scenario answered left out).",
    labelNames: ["connector", "model"] as const,
    buckets: EXECUTE_BUCKETS,
  });
  // A series of its own rather than a label: dashboards that chart runs and their latency stay about real
  // runs without a filter, and a real run costs no extra lookup.
  const mocked = createLabeledCounter(registry, {
    name: "patchbay_mocked_executions_total",
    help: "Execute calls and webhook command targets a mock scenario answered instead of the connector command, by connector, command, execution model and outcome.",
    labelNames: ["connector", "command", "model", "outcome"] as const,
  });
  const replays = new Counter({
    name: "patchbay_execute_replays_total",
    help: "Execute calls answered from their idempotency key's stored reply without running again.",
    registers: [registry],
  });
  const connectorCap = createLabelCap(options.maxConnectors);
  const commandCap = createPairCap(options.maxCommands);
  return {
    executed(run) {
      const hidden = run.tenantOwned && options.connectorLabels === "public";
      const connector = hidden ? TENANT_LABEL : connectorCap(run.connector);
      let command: string;
      if (hidden) command = TENANT_LABEL;
      else if (run.unknownCommand) command = "unknown";
      else command = commandCap(connector, run.command);
      // The labels are capped above, so the series are bounded too. A mock answers in microseconds: its
      // time is not the connector's.
      if (run.mocked) {
        mocked.series(connector, command, run.model, run.outcome).inc();
        return;
      }
      executions.series(connector, command, run.model, run.outcome).inc();
      duration.series(connector, run.model).observe(run.seconds);
    },
    replayed() {
      replays.inc();
    },
  };
}
