import { encodeScriptInput } from "./encode-script-input.ts";
import { createExecutionQueue, type Waiting } from "./execution-queue.ts";
import { type Capacity, placeExecution } from "./place-execution.ts";
import type { ScriptRunOptions } from "./run-script-options.ts";
import {
  keepAlive,
  type PendingExecution,
  relayHttp,
  type SandboxChild,
  spawnSandboxChild,
} from "./sandbox-child.ts";
import type { FromSandbox } from "./sandbox-messages.ts";
import type { SandboxStats } from "./sandbox-stats.ts";
import { ScriptErrorCode, scriptFailure, waitedTooLong } from "./script-error-code.ts";
import { resolveScriptLimits } from "./script-limits.ts";
import type { ScriptRequest, ScriptResult } from "./script-request.ts";
import { tenantQueueShare, tenantShare } from "./tenant-share.ts";

/** A process that dies this soon after it started, having finished nothing, counts toward a crash loop. */
const EARLY_EXIT_MS = 10_000;
/** Early exits in a row after which the sandbox reports itself unhealthy. */
const CRASH_LOOP = 3;
/** Heartbeats per `hungAfterMs`: a process is hung after this many unanswered beats in a row. */
const BEATS = 10;

/** Events worth an operator's attention; messages are fixed texts with codes, never script content. */
export type SandboxEvent =
  | { kind: "isolate-lost"; pid: number }
  /** An execution hit its memory limit: the process is replaced so that its memory goes back too. */
  | { kind: "memory-recycled"; pid: number }
  | { kind: "process-exited"; pid: number; exitCode: number | null; signal: string | null }
  /** The process stopped answering heartbeats (not merely busy): killed. */
  | { kind: "process-hung"; pid: number };

/** What {@link createSandboxProcesses} needs. */
export interface SandboxProcessesOptions {
  /** Processes kept; executions go to the least busy one. */
  readonly processes: number;
  /** Executions one process runs at once, each on its own isolate (isolated-vm's thread pool: cores + 1). */
  readonly slotsPerProcess: number;
  /** Executions a process is sent per slot at most (running and waiting there); the rest wait here. */
  readonly sentPerSlot: number;
  /** Executions that may wait for a free slot; more are answered at once with SCRIPT_QUEUE_FULL. */
  readonly queueMax: number;
  /** A process with work that answers no heartbeat for about this long is killed as hung. */
  readonly hungAfterMs: number;
  /** The egress allow-list the processes' outbound client applies (PATCHBAY_EGRESS_ALLOW). */
  readonly egressAllow: readonly string[];
  /** URL of the module whose `scriptHttp` makes the processes' HTTP calls (see outbound-http.ts). */
  readonly httpModule: string;
  /** Told about lost isolates and process exits. */
  readonly onEvent?: (event: SandboxEvent) => void;
}

/** A pool of sandbox processes, each with its own isolate pools. */
export interface SandboxProcesses {
  run(source: string, request: ScriptRequest, options: ScriptRunOptions): Promise<ScriptResult>;
  /** False while processes keep dying right after they start. */
  healthy(): boolean;
  /** Pids of the live processes (for tests and diagnostics). */
  pids(): number[];
  /** The live processes' isolates and heaps, summed over their latest reports. */
  stats(): SandboxStats;
  /** Kills every process; running and waiting executions end with SCRIPT_SANDBOX_LOST. */
  close(): void;
}

/** An execution not yet sent to a process. */
interface Job extends Waiting {
  readonly source: string;
  readonly command: string;
  readonly input: string;
  readonly options: ScriptRunOptions;
  readonly wallMs: number;
  readonly resolve: (result: ScriptResult) => void;
}

/**
 * Runs script executions in separate processes, so that whatever a script does to V8 — down to a fatal
 * out-of-memory that strands an isolate's thread — the service can take the memory back by killing the
 * process. The isolate pools, compiled-script caches and limits live in the processes; the service
 * makes their HTTP calls (through whatever `options.http` is) and receives their log lines.
 *
 * A process is sent at most `sentPerSlot` times as many executions as it has slots (isolates running
 * at once); the rest wait here, at most `queueMax` of them. A tenant holds at most its share of each
 * process's isolates (see tenantShare) and of what a process is sent, and tenants with executions
 * waiting are served in turn, here and in the processes. Wherever an execution waits, it is answered
 * SCRIPT_TIMEOUT without running once its deadline passes, and one that starts late gets what is left of
 * its wall time. Processes are watched by heartbeat: one whose executions run long is busy, one that
 * stops answering is hung.
 */
export function createSandboxProcesses(settings: SandboxProcessesOptions): SandboxProcesses {
  const live: SandboxChild[] = [];
  let nextId = 0;
  let earlyExits = 0;
  let closed = false;
  const capacity: Capacity = {
    slots: settings.slotsPerProcess,
    sentPerSlot: settings.sentPerSlot,
    share: tenantShare(settings.slotsPerProcess),
  };
  const queue = createExecutionQueue<Job>({
    max: settings.queueMax,
    maxPerTenant: tenantQueueShare(settings.queueMax),
    expired: (job) => job.resolve(waitedTooLong(job.wallMs)),
    aborted: (job) =>
      job.resolve(scriptFailure(ScriptErrorCode.SCRIPT_ABORTED, "script execution was cancelled")),
  });
  const beats = setInterval(
    () => {
      for (const sandbox of [...live]) {
        if (sandbox.pending.size > 0 && sandbox.heartbeat.beat()) hung(sandbox);
      }
    },
    Math.max(10, Math.floor(settings.hungAfterMs / BEATS)),
  );
  beats.unref();

  function spawn(): SandboxChild {
    const sandbox = spawnSandboxChild({
      init: {
        t: "init",
        egressAllow: settings.egressAllow,
        httpModule: settings.httpModule,
        slots: settings.slotsPerProcess,
        share: capacity.share,
      },
      missedBeats: BEATS,
      onMessage: receive,
      onExit: exited,
    });
    live.push(sandbox);
    return sandbox;
  }

  /**
   * Where an execution of `tenant` goes, undefined when no process has room for it (every one is full, or
   * holds the tenant's share): a new process while fewer than `processes` run, then as
   * {@link placeExecution} decides, from the tenant's home process (the one its id hashes to).
   */
  function free(tenant: string): SandboxChild | undefined {
    const open = live.filter((sandbox) => !sandbox.retiring);
    if (open.length < settings.processes) return spawn();
    const home = open[homeIndex(tenant, open.length)] as SandboxChild;
    return placeExecution(open, home, tenant, capacity);
  }

  /** Sends waiting executions to processes with room for them, tenants in turn. */
  function drain(): void {
    while (!closed && queue.size() > 0) {
      const taken = queue.take((job) => free(job.tenant));
      if (taken === undefined) return;
      dispatch(taken.place, taken.entry);
    }
  }

  function receive(sandbox: SandboxChild, message: FromSandbox): void {
    switch (message.t) {
      case "done":
        sandbox.completed++;
        // V8 keeps much of a disposed isolate's memory in the process: after a memory bomb the
        // process is replaced (once its other executions end), so the memory returns to baseline.
        if (message.result.errorCode === ScriptErrorCode.SCRIPT_MEMORY_LIMIT && !sandbox.retiring) {
          settings.onEvent?.({ kind: "memory-recycled", pid: sandbox.pid });
          sandbox.retiring = true;
        }
        sandbox.pending.get(message.id)?.finish(message.result);
        return;
      case "log":
        try {
          sandbox.pending.get(message.id)?.options.log?.(message.level, message.message, message.fields);
        } catch {
          // a failing logger must not take the sandbox down
        }
        return;
      case "http":
        relayHttp(sandbox, message);
        return;
      case "http-abort":
        for (const pending of sandbox.pending.values()) pending.calls.get(message.call)?.abort();
        return;
      case "pong":
        sandbox.heartbeat.answered(message.seq);
        return;
      case "stats":
        sandbox.stats = message.stats;
        return;
      case "lost":
        settings.onEvent?.({ kind: "isolate-lost", pid: sandbox.pid });
        retire(sandbox);
        return;
    }
  }

  function retire(sandbox: SandboxChild): void {
    sandbox.retiring = true;
    if (sandbox.pending.size === 0) sandbox.child.kill("SIGKILL");
  }

  function hung(sandbox: SandboxChild): void {
    // The next beat may come before the kill's exit does: a process is hung (and told) once.
    if (sandbox.hung) return;
    sandbox.hung = true;
    settings.onEvent?.({ kind: "process-hung", pid: sandbox.pid });
    sandbox.retiring = true;
    sandbox.child.kill("SIGKILL");
  }

  function exited(sandbox: SandboxChild, exitCode: number | null, signal: string | null): void {
    const index = live.indexOf(sandbox);
    if (index >= 0) live.splice(index, 1);
    if (!closed && !sandbox.retiring) {
      settings.onEvent?.({ kind: "process-exited", pid: sandbox.pid, exitCode, signal });
      const early = Date.now() - sandbox.started < EARLY_EXIT_MS && sandbox.completed === 0;
      earlyExits = early ? earlyExits + 1 : 0;
    }
    for (const pending of [...sandbox.pending.values()]) {
      pending.finish(scriptFailure(ScriptErrorCode.SCRIPT_SANDBOX_LOST, "the script sandbox stopped"));
    }
    // Waiting executions go to the process that takes this one's place.
    drain();
  }

  function dispatch(sandbox: SandboxChild, job: Job): void {
    const id = ++nextId;
    const { options } = job;
    const onAbort = (): void => sandbox.post({ t: "abort", id });
    const pending: PendingExecution = {
      options,
      calls: new Map(),
      finish(result) {
        if (!sandbox.pending.delete(id)) return;
        const mine = (sandbox.tenants.get(job.tenant) ?? 1) - 1;
        if (mine > 0) sandbox.tenants.set(job.tenant, mine);
        else sandbox.tenants.delete(job.tenant);
        options.signal?.removeEventListener("abort", onAbort);
        for (const controller of pending.calls.values()) controller.abort();
        if (sandbox.pending.size === 0) {
          keepAlive(sandbox, false);
          if (sandbox.retiring) sandbox.child.kill("SIGKILL");
        }
        job.resolve(result);
        drain();
      },
    };
    if (sandbox.pending.size === 0) keepAlive(sandbox, true);
    sandbox.pending.set(id, pending);
    sandbox.tenants.set(job.tenant, (sandbox.tenants.get(job.tenant) ?? 0) + 1);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    sandbox.post({
      t: "run",
      id,
      tenant: options.tenant,
      source: job.source,
      command: job.command,
      input: job.input,
      limits: options.limits,
      // Time spent waiting here counts against the wall time: the caller's deadline does not move.
      waitedMs: Math.max(0, Math.floor(performance.now() - (job.deadline - job.wallMs))),
      relay: options.http !== undefined,
    });
  }

  function run(source: string, request: ScriptRequest, options: ScriptRunOptions): Promise<ScriptResult> {
    if (options.signal?.aborted) {
      return Promise.resolve(scriptFailure(ScriptErrorCode.SCRIPT_ABORTED, "script execution was cancelled"));
    }
    if (closed) {
      return Promise.resolve(
        scriptFailure(ScriptErrorCode.SCRIPT_SANDBOX_LOST, "the script sandbox is closed"),
      );
    }
    const input = encodeScriptInput(request);
    if (input === undefined) {
      return Promise.resolve(
        scriptFailure(ScriptErrorCode.SCRIPT_ERROR, "params, config and variables must be JSON-serializable"),
      );
    }
    const { wallMs } = resolveScriptLimits(options.limits);
    return new Promise<ScriptResult>((resolve) => {
      const job: Job = {
        tenant: options.tenant,
        source,
        command: request.command,
        input,
        options,
        wallMs,
        deadline: performance.now() + wallMs,
        signal: options.signal,
        resolve,
      };
      // The tenant's executions already waiting go first; another tenant's waiting ones have no room
      // (drain places whatever can go), so they do not hold this one back.
      const sandbox = queue.waiting(options.tenant) === 0 ? free(options.tenant) : undefined;
      if (sandbox !== undefined) return dispatch(sandbox, job);
      const queued = queue.add(job);
      if (queued === "queued") return drain();
      resolve(
        scriptFailure(
          ScriptErrorCode.SCRIPT_QUEUE_FULL,
          queued === "full"
            ? `the script sandbox is at capacity (${settings.queueMax} executions already waiting); retry later`
            : "this tenant's executions fill its share of the script sandbox's queue; retry later",
        ),
      );
    });
  }

  return {
    run,
    healthy: () => earlyExits < CRASH_LOOP,
    pids: () => live.map((sandbox) => sandbox.pid),
    stats() {
      // A process that exited left `live`, and its isolates with it.
      let isolates = 0;
      let heapUsedBytes = 0;
      let heapTotalBytes = 0;
      for (const sandbox of live) {
        isolates += sandbox.stats?.isolates ?? 0;
        heapUsedBytes += sandbox.stats?.heapUsedBytes ?? 0;
        heapTotalBytes += sandbox.stats?.heapTotalBytes ?? 0;
      }
      return { isolates, heapUsedBytes, heapTotalBytes };
    },
    close() {
      closed = true;
      clearInterval(beats);
      for (const job of queue.clear()) {
        job.resolve(scriptFailure(ScriptErrorCode.SCRIPT_SANDBOX_LOST, "the script sandbox is closed"));
      }
      for (const sandbox of [...live]) sandbox.child.kill("SIGKILL");
    },
  };
}

/** The index of a tenant's home among `count` processes: FNV-1a of its id. */
function homeIndex(tenant: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < tenant.length; i++) hash = Math.imul(hash ^ tenant.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % count;
}
