import { ConfigError, loadConfig } from "./config.ts";
// The error class alone, not the database feature: a configuration error is reported before the
// application's modules load (they take seconds on a loaded machine).
import { EmbeddedPostgresError } from "./db/embedded/embedded-postgres-error.ts";
import { flushLogger } from "./logging/flush-logger.ts";
import { createLogger } from "./logging/logger.ts";
import type { startServer } from "./server/start-server.ts";

// Exit status for a configuration error (sysexits EX_CONFIG).
const EX_CONFIG = 78;

/**
 * The service process (src/main.ts runs it): load config → open database → build app → listen → stop
 * gracefully on SIGTERM/SIGINT.
 */
export async function runServer(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`patchbay: invalid configuration: ${error.message}\n`);
    process.exit(EX_CONFIG);
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let stopRequested = false;
  let signals = 0;
  let exiting = false;
  // The first reason to exit decides the status; the log's last lines are written, in order, before.
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    process.exitCode = code;
    void flushLogger(logger).then(() => process.exit(code));
  };
  const stop = () => {
    // Bounded: if draining or closing hangs past the timeout, exit anyway.
    setTimeout(() => {
      logger.error("graceful stop timed out");
      exit(1);
    }, stopBudgetMs(config)).unref();
    server?.stop().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "error while stopping");
        exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, "second signal: exiting now");
      exit(1);
      return;
    }
    logger.info({ signal }, "signal received");
    stopRequested = true;
    if (server !== undefined) stop();
  };
  // Installed before start-up so that a stop requested while the database opens is honoured afterwards.
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    const { startServer } = await import("./server/start-server.ts");
    server = await startServer(config, { logger });
  } catch (error) {
    if (error instanceof EmbeddedPostgresError) {
      process.stderr.write(`patchbay: ${error.message}\n`);
      process.exit(1);
    }
    logger.fatal({ err: error }, "start-up failed");
    exit(1);
    return;
  }
  if (stopRequested) stop();
}

/**
 * How long a graceful stop may take before the process exits anyway: the drain delay and timeout, then
 * closing (on the embedded default, possibly waiting for a CLI call to let go of the server and stopping it).
 */
function stopBudgetMs(config: ReturnType<typeof loadConfig>): number {
  return config.drainDelayMs + config.shutdownTimeoutMs + (config.databaseUrl === undefined ? 70_000 : 5_000);
}
