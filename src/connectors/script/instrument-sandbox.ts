import type { SandboxMetrics } from "../../metrics/index.ts";
import type { Sandbox } from "./create-sandbox.ts";

/**
 * The same sandbox, counting each execution's outcome and limit breach, and reading its processes,
 * isolates and isolate heaps at each scrape.
 */
export function instrumentSandbox(sandbox: Sandbox, metrics: SandboxMetrics): Sandbox {
  metrics.watchProcesses(() => sandbox.pids().length);
  metrics.watchIsolates(() => sandbox.stats());
  return {
    ...sandbox,
    async run(source, request, options) {
      const result = await sandbox.run(source, request, options);
      metrics.ran(result.success ? undefined : result.errorCode);
      return result;
    },
    healthy: () => sandbox.healthy(),
    pids: () => sandbox.pids(),
    stats: () => sandbox.stats(),
    close: () => sandbox.close(),
  };
}
