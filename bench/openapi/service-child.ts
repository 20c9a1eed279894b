// The service process bench/openapi/service.ts measures: a whole Patchbay (startServer, as main.ts
// builds it) from the source tree given with --root, so the same bench can run an older checkout. It
// tells the parent where it listens over IPC and answers its questions about memory:
//   {id, kind: "memory", gc?: true} → {id, rss, heapUsed, heapTotal, external, peakHeapUsed, hwm, maxDelayMs}
//   {id, kind: "reset", gc?: true}  → the same, peaks restarted from now (the kernel's VmHWM too)
// peakHeapUsed is the main thread's heap, sampled every 10 ms; hwm is the kernel's peak RSS of the
// whole process (the import worker's thread included); maxDelayMs the longest event-loop block since the
// last reset. Run with --expose-gc.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { root: { type: "string" } } });
const root = values.root ?? "";
const { loadConfig } = await import(join(root, "src/config.ts"));
const { createLogger } = await import(join(root, "src/logging/logger.ts"));
const { startServer } = await import(join(root, "src/server/start-server.ts"));

const config = loadConfig(process.env, false);
const logger = createLogger({ level: config.logLevel, format: "json" });
const server = await startServer(config, { logger, notice: () => undefined });

let peakHeapUsed = process.memoryUsage().heapUsed;
// The longest the main thread's event loop was blocked: what other calls would have waited.
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
setInterval(() => {
  peakHeapUsed = Math.max(peakHeapUsed, process.memoryUsage().heapUsed);
}, 10).unref();

/** The kernel's peak resident set of this process (VmHWM), in bytes. */
function hwm(): number {
  const line = readFileSync("/proc/self/status", "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmHWM:"));
  return Number(/(\d+)/.exec(line ?? "")?.[1] ?? 0) * 1024;
}

process.on("message", (message: { id: number; kind: string; gc?: boolean }) => {
  if (message.kind === "reset" || message.kind === "memory") {
    if (message.gc) (globalThis as { gc?: () => void }).gc?.();
    if (message.kind === "reset") {
      // "5" restarts VmHWM from the current RSS (Linux 4.0+, proc(5) clear_refs).
      writeFileSync("/proc/self/clear_refs", "5");
      peakHeapUsed = process.memoryUsage().heapUsed;
      delay.reset();
    }
    const usage = process.memoryUsage();
    const peak = Math.max(peakHeapUsed, usage.heapUsed);
    process.send?.({ id: message.id, ...usage, peakHeapUsed: peak, hwm: hwm(), maxDelayMs: delay.max / 1e6 });
  } else if (message.kind === "stop") {
    void server.stop().then(() => process.exit(0));
  }
});
process.send?.({ kind: "listening", url: server.url });
