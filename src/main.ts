import { ConfigError, loadConfig } from "./config.ts";
import { DataDirLockedError } from "./db/index.ts";
import { createLogger } from "./logging/logger.ts";
import { startServer } from "./server/start-server.ts";

// Exit status for a configuration error (sysexits EX_CONFIG).
const EX_CONFIG = 78;

/** Entry point: load config → open database → build app → listen → stop gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`patchbay: invalid configuration: ${error.message}\n`);
    process.exit(EX_CONFIG);
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config, { logger });
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      process.stderr.write(`patchbay: ${error.message}\n`);
      process.exit(1);
    }
    logger.fatal({ err: error }, "start-up failed");
    logger.flush();
    process.exit(1);
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    logger.info({ signal }, "signal received");
    // Bounded: if draining or closing hangs past the timeout, exit anyway.
    setTimeout(() => {
      logger.error("graceful stop timed out");
      logger.flush();
      process.exit(1);
    }, config.shutdownTimeoutMs + 5_000).unref();
    server.stop().then(
      () => {
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "error while stopping");
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

await main();
