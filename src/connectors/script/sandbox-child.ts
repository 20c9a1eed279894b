import { type ChildProcess, fork } from "node:child_process";
import { getCompileCacheDir } from "node:module";
import { fileURLToPath } from "node:url";
import { batchedSender } from "./batched-sender.ts";
import { createHeartbeat, type Heartbeat } from "./heartbeat.ts";
import type { ScriptRunOptions } from "./run-script-options.ts";
import type { FromSandbox, ToSandbox } from "./sandbox-messages.ts";
import type { SandboxStats } from "./sandbox-stats.ts";
import type { ScriptResult } from "./script-request.ts";

const ENTRY = fileURLToPath(new URL("./sandbox-process-entry.ts", import.meta.url));

/** An execution sent to a sandbox process and not yet answered. */
export interface PendingExecution {
  readonly options: ScriptRunOptions;
  /** The HTTP calls it has in flight in the service (relay), by call id. */
  readonly calls: Map<number, AbortController>;
  finish(result: ScriptResult): void;
}

/** One sandbox process as the service sees it. */
export interface SandboxChild {
  readonly child: ChildProcess;
  readonly post: (message: ToSandbox) => void;
  readonly pid: number;
  readonly started: number;
  readonly pending: Map<number, PendingExecution>;
  /** How many of `pending` are each tenant's (tenants with none left out). */
  readonly tenants: Map<string, number>;
  readonly heartbeat: Heartbeat;
  /** Takes no new executions; killed once its running ones end. */
  retiring: boolean;
  /** Killed as hung: told once, and not watched again while its exit is on the way. */
  hung: boolean;
  completed: number;
  /** Its isolates as it last reported them; undefined before its first report. */
  stats: SandboxStats | undefined;
}

/** What {@link spawnSandboxChild} needs. */
export interface SpawnOptions {
  /** The process's first message. */
  readonly init: Extract<ToSandbox, { t: "init" }>;
  /** Unanswered heartbeats in a row after which the process counts as hung. */
  readonly missedBeats: number;
  readonly onMessage: (sandbox: SandboxChild, message: FromSandbox) => void;
  readonly onExit: (sandbox: SandboxChild, exitCode: number | null, signal: string | null) => void;
}

/** Starts a sandbox process (see sandbox-process-main.ts) and sends it `init`; it starts idle. */
export function spawnSandboxChild(options: SpawnOptions): SandboxChild {
  // The service's compile cache folder (src/main.ts turns it on), for the child's entry to use too.
  const child = fork(ENTRY, [getCompileCacheDir() ?? ""], {
    serialization: "advanced",
    execArgv: [],
    stdio: ["ignore", "ignore", "ignore", "ipc"],
  });
  const post = batchedSender<ToSandbox>(
    (batch) => {
      // A closed channel means the process is exiting; its 'exit' ends the executions.
      if (child.connected) child.send(batch, () => undefined);
    },
    () => sandbox.pending.size > 4,
  );
  const sandbox: SandboxChild = {
    child,
    post,
    pid: child.pid ?? 0,
    started: Date.now(),
    pending: new Map(),
    tenants: new Map(),
    heartbeat: createHeartbeat((seq) => post({ t: "ping", seq }), options.missedBeats),
    retiring: false,
    hung: false,
    completed: 0,
    stats: undefined,
  };
  child.on("message", (batch: FromSandbox[]) => {
    for (const message of batch) options.onMessage(sandbox, message);
  });
  child.on("error", () => undefined); // 'exit' follows and does the cleanup
  post(options.init);
  child.on("exit", (exitCode, signal) => options.onExit(sandbox, exitCode, signal));
  keepAlive(sandbox, false);
  return sandbox;
}

/** A process keeps the service's event loop alive only while it runs executions. */
export function keepAlive(sandbox: SandboxChild, busy: boolean): void {
  if (busy) {
    sandbox.child.ref();
    sandbox.child.channel?.ref();
  } else {
    sandbox.child.unref();
    sandbox.child.channel?.unref();
  }
}

/** Makes an HTTP call a process relayed (its execution's caller passed `http`) and posts the answer back. */
export function relayHttp(sandbox: SandboxChild, message: Extract<FromSandbox, { t: "http" }>): void {
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
