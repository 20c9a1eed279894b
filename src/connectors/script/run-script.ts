import { availableParallelism } from "node:os";
import type { ScriptRunOptions } from "./run-script-options.ts";
import { createSandboxProcesses, type SandboxEvent, type SandboxProcesses } from "./sandbox-processes.ts";
import type { ScriptRequest, ScriptResult } from "./script-request.ts";

/** How the sandbox is set up; {@link openSandbox} changes it for processes started afterwards. */
export interface SandboxSettings {
  /** Sandbox processes kept (default: the cores, at least 1, at most 4). */
  readonly processes: number;
  /** Egress allow-list of the processes' outbound client (default none: the policy refuses private networks). */
  readonly egressAllow: readonly string[];
  /** Module whose `scriptHttp` makes the processes' HTTP calls (default: the outbound client). */
  readonly httpModule: string;
  /** Told about lost isolates and process exits (the server logs them). */
  readonly onEvent?: (event: SandboxEvent) => void;
}

let settings: SandboxSettings = {
  processes: Math.min(4, Math.max(1, availableParallelism())),
  egressAllow: [],
  httpModule: new URL("./outbound-http.ts", import.meta.url).href,
};
let current: SandboxProcesses | undefined;

let users = 0;

/**
 * Sets up the sandbox for one user (a server) and returns its release: the processes are killed when
 * the last user releases. Settings apply to processes started afterwards.
 */
export function openSandbox(next: Partial<SandboxSettings> = {}): () => void {
  settings = { ...settings, ...next };
  users++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    users--;
    if (users === 0) closeSandbox();
  };
}

/**
 * Runs one command of a script connector in a sandbox process: the script's function named
 * `request.command` is called with `patchbay` in scope on a pooled isolate, and what it returns (or
 * resolves to) is normalized into a {@link ScriptResult}. Limit breaches end the execution with
 * SCRIPT_TIMEOUT, SCRIPT_MEMORY_LIMIT or SCRIPT_HTTP_LIMIT; anything the script throws gives SCRIPT_ERROR
 * with the script's own line and column; a sandbox process that dies gives SCRIPT_SANDBOX_LOST. Never
 * rejects for anything the script does.
 */
export function runScript(
  source: string,
  request: ScriptRequest,
  options: ScriptRunOptions,
): Promise<ScriptResult> {
  current ??= createSandboxProcesses(settings);
  return current.run(source, request, options);
}

/** Whether the sandbox can take executions: false while its processes keep dying as they start. */
export function sandboxHealthy(): boolean {
  return current?.healthy() ?? true;
}

/** Pids of the sandbox processes now running. */
export function sandboxPids(): number[] {
  return current?.pids() ?? [];
}

/** Kills the sandbox processes (server shutdown); the next execution starts new ones. */
export function closeSandbox(): void {
  current?.close();
  current = undefined;
}
