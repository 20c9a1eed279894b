import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "../config.ts";
import type { Logger } from "../logging/logger.ts";
import type { Listener } from "../protocol/listener.ts";
import { SERVER_STOPPING } from "../protocol/server-stopping.ts";

/**
 * The serving half of a graceful stop, after readiness has turned false: keep serving for the drain delay
 * (load balancers see /readyz fail and stop sending new work, while what they already routed is served),
 * then refuse new connections (HTTP/2 GOAWAY, HTTP/1.1 `Connection: close`) and let the calls in flight
 * finish for up to the shutdown timeout. Handlers (unary calls, MCP tool calls, streams) see `shutdown`
 * abort once the grace period is half over, so that most answer before their connections are cut.
 */
export async function drainListener(
  listener: Listener,
  config: Pick<Config, "drainDelayMs" | "shutdownTimeoutMs">,
  logger: Logger,
  shutdown: AbortController,
): Promise<void> {
  logger.info(
    { drainDelayMs: config.drainDelayMs },
    "stopping: not ready; serving until load balancers have noticed",
  );
  if (config.drainDelayMs > 0) await sleep(config.drainDelayMs);
  const drained = listener.close(config.shutdownTimeoutMs);
  logger.info(
    { graceMs: config.shutdownTimeoutMs },
    "stopping: refusing new connections; draining in-flight calls",
  );
  const abortTimer = setTimeout(() => shutdown.abort(SERVER_STOPPING), config.shutdownTimeoutMs / 2);
  const graceTimer = setTimeout(
    () => logger.warn("stopping: grace period over; cutting the calls still running"),
    config.shutdownTimeoutMs,
  );
  await drained;
  clearTimeout(abortTimer);
  clearTimeout(graceTimer);
}
