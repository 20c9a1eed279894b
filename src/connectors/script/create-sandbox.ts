import { availableParallelism } from "node:os";
import type { ScriptRunOptions } from "./run-script-options.ts";
import { createSandboxProcesses, type SandboxEvent } from "./sandbox-processes.ts";
import type { SandboxStats } from "./sandbox-stats.ts";
import type { ScriptRequest, ScriptResult } from "./script-request.ts";

/** How a sandbox is set up; every field has a default. */
export interface SandboxSettings {
  /** Sandbox processes kept (default: the cores, at least 1, at most 4). */
  readonly processes: number;
  /**
   * Executions each process runs at once, each on its own isolate (default: isolated-vm's thread pool,
   * cores + 1, at least 2: more isolates busy at once start a thread per task).
   */
  readonly slotsPerProcess: number;
  /**
   * Executions a process is sent per slot at most, running and waiting there (default 16); the rest wait
   * in the service. A process whose isolates have none waiting idles them for a round trip to the
   * service after every execution: with four per slot that still cost a process 3–5 % of its isolates'
   * time with 64 in flight, and more CPU per execution (smaller batches of messages) than sixteen.
   */
  readonly sentPerSlot: number;
  /** Executions that may wait for a free isolate (PATCHBAY_SCRIPT_QUEUE_MAX); more get SCRIPT_QUEUE_FULL. */
  readonly queueMax: number;
  /** A process with work that answers no heartbeat for about this long is killed as hung. */
  readonly hungAfterMs: number;
  /** Egress allow-list of the processes' outbound client (default none: the policy refuses private networks). */
  readonly egressAllow: readonly string[];
  /** Module whose `scriptHttp` makes the processes' HTTP calls (default: the outbound client). */
  readonly httpModule: string;
  /** Told about lost isolates and process exits (the server logs them). */
  readonly onEvent?: (event: SandboxEvent) => void;
}

/** The default of {@link SandboxSettings.sentPerSlot}. */
export const DEFAULT_SENT_PER_SLOT = 16;

/** The default of {@link SandboxSettings.queueMax} (and of PATCHBAY_SCRIPT_QUEUE_MAX). */
export const DEFAULT_SCRIPT_QUEUE_MAX = 256;

/** Where script connectors run: a pool of sandbox processes, started as executions need them. */
export interface Sandbox {
  /**
   * Runs one command of a script connector in a sandbox process: the script's function named
   * `request.command` is called with `patchbay` in scope on a pooled isolate, and what it returns (or
   * resolves to) is normalized into a {@link ScriptResult}. The isolate belongs to `options.tenant`: no
   * isolate ever runs two tenants' scripts. Limit breaches end the execution with SCRIPT_TIMEOUT,
   * SCRIPT_MEMORY_LIMIT or SCRIPT_HTTP_LIMIT; anything the script throws gives SCRIPT_ERROR with the
   * script's own line and column; a sandbox process that dies gives SCRIPT_SANDBOX_LOST. While every
   * isolate is busy the execution waits (its wall time running), or gets SCRIPT_QUEUE_FULL when too many
   * already wait. Never rejects for anything the script does.
   */
  run(source: string, request: ScriptRequest, options: ScriptRunOptions): Promise<ScriptResult>;
  /** Whether the sandbox can take executions: false while its processes keep dying as they start. */
  healthy(): boolean;
  /** Pids of the sandbox processes now running. */
  pids(): number[];
  /**
   * The isolates the sandbox processes hold and their heaps, for metrics. Each process measures its own
   * every few seconds and reports when the figures changed, so this is a snapshot up to a few seconds
   * old, read without asking the processes anything; zeros before any process has reported.
   */
  stats(): SandboxStats;
  /**
   * Kills the sandbox processes (server shutdown): running and waiting executions end with
   * SCRIPT_SANDBOX_LOST, and so does every later one.
   */
  close(): void;
}

/**
 * Creates a sandbox: its owner (the server, a test, a benchmark) passes it to where scripts run and
 * closes it when done. Two sandboxes share nothing: each has its own processes, queue and egress policy.
 */
export function createSandbox(settings: Partial<SandboxSettings> = {}): Sandbox {
  const cores = availableParallelism();
  return createSandboxProcesses({
    processes: Math.min(4, Math.max(1, cores)),
    slotsPerProcess: Math.max(2, cores + 1),
    sentPerSlot: DEFAULT_SENT_PER_SLOT,
    queueMax: DEFAULT_SCRIPT_QUEUE_MAX,
    hungAfterMs: 10_000,
    egressAllow: [],
    httpModule: new URL("./outbound-http.ts", import.meta.url).href,
    ...settings,
  });
}
