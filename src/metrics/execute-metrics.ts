import { Counter, Histogram, type Registry } from "prom-client";
import { createLabelCap, OVERFLOW_LABEL } from "./label-cap.ts";

/** One command run, as Execute and webhook command targets finish it. */
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
  const executions = new Counter({
    name: "patchbay_executions_total",
    help: "Connector commands run (Execute and webhook command targets), by connector, command, execution model and outcome.",
    labelNames: ["connector", "command", "model", "outcome"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "patchbay_execution_duration_seconds",
    help: "Time a connector command ran, by connector and execution model.",
    labelNames: ["connector", "model"] as const,
    buckets: EXECUTE_BUCKETS,
    registers: [registry],
  });
  const replays = new Counter({
    name: "patchbay_execute_replays_total",
    help: "Execute calls answered from their idempotency key's stored reply without running again.",
    registers: [registry],
  });
  const connectorCap = createLabelCap(options.maxConnectors);
  // Label children found once per series (the labels are capped above, so the maps are bounded too):
  // prom-client would hash a label object on every command otherwise.
  const counters = new Map<string, ReturnType<typeof executions.labels>>();
  const histograms = new Map<string, ReturnType<typeof duration.labels>>();
  const commandCap = createLabelCap(options.maxCommands);
  return {
    executed(run) {
      const hidden = run.tenantOwned && options.connectorLabels === "public";
      const connector = hidden ? TENANT_LABEL : connectorCap(run.connector);
      let command: string;
      if (hidden) command = TENANT_LABEL;
      else if (run.unknownCommand) command = "unknown";
      else if (commandCap(`${connector}\u0000${run.command}`) === OVERFLOW_LABEL) command = OVERFLOW_LABEL;
      else command = run.command;
      const runKey = `${connector}\u0000${command}\u0000${run.model}\u0000${run.outcome}`;
      let counter = counters.get(runKey);
      if (counter === undefined) {
        counter = executions.labels({ connector, command, model: run.model, outcome: run.outcome });
        counters.set(runKey, counter);
      }
      counter.inc();
      const timeKey = `${connector}\u0000${run.model}`;
      let histogram = histograms.get(timeKey);
      if (histogram === undefined) {
        histogram = duration.labels({ connector, model: run.model });
        histograms.set(timeKey, histogram);
      }
      histogram.observe(run.seconds);
    },
    replayed() {
      replays.inc();
    },
  };
}
