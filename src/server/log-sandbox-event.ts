import type { SandboxEvent } from "../connectors/script/index.ts";
import type { Logger } from "../logging/logger.ts";

/** Logs what happened to a script sandbox process, at the level an operator should see it. */
export function logSandboxEvent(logger: Logger, event: SandboxEvent): void {
  if (event.kind === "memory-recycled")
    logger.info({ pid: event.pid }, "a script hit its memory limit; its sandbox process is replaced");
  else if (event.kind === "isolate-lost")
    logger.warn({ pid: event.pid }, "a script sandbox process lost an isolate; it is replaced");
  else if (event.kind === "process-hung")
    logger.error({ pid: event.pid }, "a script sandbox process stopped answering; killed");
  else
    logger.error(
      { pid: event.pid, exitCode: event.exitCode, signal: event.signal },
      "a script sandbox process exited; executions on it failed with SCRIPT_SANDBOX_LOST",
    );
}
