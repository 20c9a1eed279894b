import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { batchedSender } from "./batched-sender.ts";
import { encodeScriptInput } from "./encode-script-input.ts";
import type { ScriptRunOptions } from "./run-script-options.ts";
import type { FromSandbox, ToSandbox } from "./sandbox-messages.ts";
import { ScriptErrorCode, scriptFailure } from "./script-error-code.ts";
import { resolveScriptLimits } from "./script-limits.ts";
import type { ScriptRequest, ScriptResult } from "./script-request.ts";

const ENTRY = fileURLToPath(new URL("./sandbox-process-main.ts", import.meta.url));

/** How long past an execution's wall time the service waits for its process before killing it. */
const HUNG_AFTER_MS = 5_000;
/** A process that dies this soon after it started, having finished nothing, counts toward a crash loop. */
const EARLY_EXIT_MS = 10_000;
/** Early exits in a row after which the sandbox reports itself unhealthy. */
const CRASH_LOOP = 3;

/** Events worth an operator's attention; messages are fixed texts with codes, never script content. */
export type SandboxEvent =
  | { kind: "isolate-lost"; pid: number }
  /** An execution hit its memory limit: the process is replaced so that its memory goes back too. */
  | { kind: "memory-recycled"; pid: number }
  | { kind: "process-exited"; pid: number; exitCode: number | null; signal: string | null }
  | { kind: "process-hung"; pid: number };

/** What {@link createSandboxProcesses} needs. */
export interface SandboxProcessesOptions {
  /** Processes kept; executions go to the least busy one. */
  readonly processes: number;
  /** The egress allow-list the processes' outbound client applies (PATCHBAY_EGRESS_ALLOW). */
  readonly egressAllow: readonly string[];
  /** URL of the module whose `scriptHttp` makes the processes' HTTP calls (see outbound-http.ts). */
  readonly httpModule: string;
  /** Told about lost isolates and process exits. */
  readonly onEvent?: (event: SandboxEvent) => void;
}

/** A pool of sandbox processes, each with its own isolate pool. */
export interface SandboxProcesses {
  run(source: string, request: ScriptRequest, options: ScriptRunOptions): Promise<ScriptResult>;
  /** False while processes keep dying right after they start. */
  healthy(): boolean;
  /** Pids of the live processes (for tests and diagnostics). */
  pids(): number[];
  /** Kills every process; running executions end with SCRIPT_SANDBOX_LOST. */
  close(): void;
}

interface Pending {
  readonly options: ScriptRunOptions;
  readonly calls: Map<number, AbortController>;
  finish(result: ScriptResult): void;
}

interface Sandbox {
  readonly child: ChildProcess;
  readonly post: (message: ToSandbox) => void;
  readonly pid: number;
  readonly started: number;
  readonly pending: Map<number, Pending>;
  /** Takes no new executions; killed once its running ones end. */
  retiring: boolean;
  completed: number;
}

/**
 * Runs script executions in separate processes, so that whatever a script does to V8 — down to a fatal
 * out-of-memory that strands an isolate's thread — the service can take the memory back by killing the
 * process. The isolate pools, compiled-script caches and limits live in the processes; the service
 * makes their HTTP calls (through whatever `options.http` is) and receives their log lines.
 */
export function createSandboxProcesses(settings: SandboxProcessesOptions): SandboxProcesses {
  const live: Sandbox[] = [];
  let nextId = 0;
  let earlyExits = 0;
  let closed = false;

  function spawn(): Sandbox {
    const child = fork(ENTRY, [], {
      serialization: "advanced",
      execArgv: [],
      stdio: ["ignore", "ignore", "ignore", "ipc"],
    });
    const sandbox: Sandbox = {
      child,
      post: batchedSender<ToSandbox>(
        (batch) => {
          // A closed channel means the process is exiting; its 'exit' ends the executions.
          if (child.connected) child.send(batch, () => undefined);
        },
        () => sandbox.pending.size > 4,
      ),
      pid: child.pid ?? 0,
      started: Date.now(),
      pending: new Map(),
      retiring: false,
      completed: 0,
    };
    child.on("message", (batch: FromSandbox[]) => {
      for (const message of batch) receive(sandbox, message);
    });
    child.on("error", () => undefined); // 'exit' follows and does the cleanup
    sandbox.post({ t: "init", egressAllow: settings.egressAllow, httpModule: settings.httpModule });
    child.on("exit", (exitCode, signal) => exited(sandbox, exitCode, signal));
    idle(sandbox);
    live.push(sandbox);
    return sandbox;
  }

  /** An idle process must not keep the service's event loop alive. */
  function idle(sandbox: Sandbox): void {
    sandbox.child.unref();
    sandbox.child.channel?.unref();
  }

  function busy(sandbox: Sandbox): void {
    sandbox.child.ref();
    sandbox.child.channel?.ref();
  }

  function pick(): Sandbox {
    const open = live.filter((sandbox) => !sandbox.retiring);
    if (open.length < settings.processes) return spawn();
    let best = open[0] as Sandbox;
    for (const sandbox of open) if (sandbox.pending.size < best.pending.size) best = sandbox;
    return best;
  }

  function receive(sandbox: Sandbox, message: FromSandbox): void {
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
          sandbox.pending.get(message.id)?.options.log?.(message.level, message.message);
        } catch {
          // a failing logger must not take the sandbox down
        }
        return;
      case "http":
        call(sandbox, message);
        return;
      case "http-abort":
        for (const pending of sandbox.pending.values()) pending.calls.get(message.call)?.abort();
        return;
      case "lost":
        settings.onEvent?.({ kind: "isolate-lost", pid: sandbox.pid });
        retire(sandbox);
        return;
    }
  }

  function call(sandbox: Sandbox, message: Extract<FromSandbox, { t: "http" }>): void {
    const pending = sandbox.pending.get(message.id);
    if (pending === undefined) {
      sandbox.post({
        t: "http-failed",
        call: message.call,
        message: "the execution has ended",
        code: undefined,
      });
      return;
    }
    const controller = new AbortController();
    pending.calls.set(message.call, controller);
    const signal = pending.options.signal
      ? AbortSignal.any([controller.signal, pending.options.signal])
      : controller.signal;
    Promise.resolve()
      .then(() => {
        if (pending.options.http === undefined) throw new Error("HTTP is not available to this script");
        return pending.options.http({ ...message.request, signal });
      })
      .then(
        (response) => sandbox.post({ t: "http-done", call: message.call, response }),
        (error: unknown) => {
          const code = (error as { code?: unknown } | null)?.code;
          sandbox.post({
            t: "http-failed",
            call: message.call,
            message: error instanceof Error ? error.message : String(error),
            code: typeof code === "string" ? code : undefined,
          });
        },
      )
      .catch(() => undefined) // a response that cannot be cloned: the process will time the call out
      .finally(() => pending.calls.delete(message.call));
  }

  function retire(sandbox: Sandbox): void {
    sandbox.retiring = true;
    if (sandbox.pending.size === 0) sandbox.child.kill("SIGKILL");
  }

  function exited(sandbox: Sandbox, exitCode: number | null, signal: string | null): void {
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
    const sandbox = pick();
    const id = ++nextId;
    const wallMs = resolveScriptLimits(options.limits).wallMs;
    return new Promise<ScriptResult>((resolve) => {
      const onAbort = (): void => sandbox.post({ t: "abort", id });
      // The process enforces every limit itself; this only catches a process that stopped answering.
      const hung = setTimeout(() => {
        settings.onEvent?.({ kind: "process-hung", pid: sandbox.pid });
        sandbox.retiring = true;
        sandbox.child.kill("SIGKILL");
      }, wallMs + HUNG_AFTER_MS);
      hung.unref();
      const pending: Pending = {
        options,
        calls: new Map(),
        finish(result) {
          if (!sandbox.pending.delete(id)) return;
          clearTimeout(hung);
          options.signal?.removeEventListener("abort", onAbort);
          for (const controller of pending.calls.values()) controller.abort();
          if (sandbox.pending.size === 0) {
            idle(sandbox);
            if (sandbox.retiring) sandbox.child.kill("SIGKILL");
          }
          resolve(result);
        },
      };
      if (sandbox.pending.size === 0) busy(sandbox);
      sandbox.pending.set(id, pending);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      sandbox.post({
        t: "run",
        id,
        source,
        command: request.command,
        input,
        limits: options.limits,
        relay: options.http !== undefined,
      });
    });
  }

  return {
    run,
    healthy: () => earlyExits < CRASH_LOOP,
    pids: () => live.map((sandbox) => sandbox.pid),
    close() {
      closed = true;
      for (const sandbox of [...live]) sandbox.child.kill("SIGKILL");
    },
  };
}
