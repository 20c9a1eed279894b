import { Counter, Gauge, type Registry } from "prom-client";
import { createLabeledCounter } from "./labeled-counter.ts";

/** The script sandbox's metrics. */
export interface SandboxMetrics {
  /** A script execution ended: its error code, or undefined for a success. */
  ran(errorCode: string | undefined): void;
  /** Something happened to a sandbox process (memory-recycled, isolate-lost, process-hung, process-exited). */
  event(kind: string): void;
  /** Reads the sandbox processes running at each scrape. */
  watchProcesses(count: () => number): void;
  /** Reads the sandbox's isolates and their heaps at each scrape (the processes' latest reports). */
  watchIsolates(read: () => IsolateFigures): void;
}

/** The sandbox's isolates and their V8 heaps, summed over its processes. */
export interface IsolateFigures {
  readonly isolates: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
}

/** Script error codes that are a limit breach, and their kind. */
const BREACHES: Readonly<Record<string, string>> = {
  SCRIPT_TIMEOUT: "timeout",
  SCRIPT_MEMORY_LIMIT: "memory",
  SCRIPT_HTTP_LIMIT: "http",
};
/** Script error codes, and the outcome label each counts under; any other failure is `error`. */
const OUTCOMES: Readonly<Record<string, string>> = {
  SCRIPT_TIMEOUT: "timeout",
  SCRIPT_MEMORY_LIMIT: "memory_limit",
  SCRIPT_HTTP_LIMIT: "http_limit",
  SCRIPT_QUEUE_FULL: "queue_full",
  SCRIPT_SANDBOX_LOST: "sandbox_lost",
};

export function createSandboxMetrics(registry: Registry): SandboxMetrics {
  // Counted per script run: series found by their label values and published at each scrape.
  const executions = createLabeledCounter(registry, {
    name: "patchbay_sandbox_executions_total",
    help: "Script executions in the sandbox, by outcome (success, error, timeout, memory_limit, http_limit, queue_full, sandbox_lost).",
    labelNames: ["outcome"] as const,
  });
  const breaches = createLabeledCounter(registry, {
    name: "patchbay_sandbox_limit_breaches_total",
    help: "Script executions ended by a limit, by kind (timeout, memory, http).",
    labelNames: ["kind"] as const,
  });
  const events = new Counter({
    name: "patchbay_sandbox_process_events_total",
    help: "Sandbox process events, by kind (memory-recycled, isolate-lost, process-hung, process-exited).",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  let countProcesses: (() => number) | undefined;
  new Gauge({
    name: "patchbay_sandbox_processes",
    help: "Sandbox processes running script connectors now.",
    registers: [registry],
    collect() {
      this.set(countProcesses?.() ?? 0);
    },
  });
  let readIsolates: (() => IsolateFigures) | undefined;
  new Gauge({
    name: "patchbay_sandbox_isolates",
    help: "Isolates alive in the sandbox processes now (idle warm ones and running ones), as last reported.",
    registers: [registry],
    collect() {
      this.set(readIsolates?.().isolates ?? 0);
    },
  });
  new Gauge({
    name: "patchbay_sandbox_isolate_heap_bytes",
    help: "V8 heap of the sandbox's isolates, summed, as last reported: used (objects) and total (reserved).",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const figures = readIsolates?.();
      this.set({ state: "used" }, figures?.heapUsedBytes ?? 0);
      this.set({ state: "total" }, figures?.heapTotalBytes ?? 0);
    },
  });
  return {
    ran(errorCode) {
      executions.series(errorCode === undefined ? "success" : (OUTCOMES[errorCode] ?? "error")).inc();
      const kind = errorCode === undefined ? undefined : BREACHES[errorCode];
      if (kind !== undefined) breaches.series(kind).inc();
    },
    event: (kind) => events.inc({ kind }),
    watchProcesses(count) {
      countProcesses = count;
    },
    watchIsolates(read) {
      readIsolates = read;
    },
  };
}
