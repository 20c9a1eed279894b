import { AgentConfigError, type AgentFlags, parseAgentConfig, startAgent } from "../agent/index.ts";
import { flushLogger } from "../logging/flush-logger.ts";
import { createLogger } from "../logging/logger.ts";
import { UsageError } from "./usage-error.ts";

/** What `patchbay agent` runs in: the process itself in the command (as the mcp bridge takes it). */
export interface AgentCommandIo {
  /** Where the key variable, PATCHBAY_AGENT_ALLOW, the proxies and the log settings are read. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where SIGTERM and SIGINT, which stop the agent, are heard. */
  once(signal: "SIGTERM" | "SIGINT", listener: () => void): unknown;
}

/**
 * `patchbay agent`: reads the flags and environment, runs the agent until SIGTERM or SIGINT, then drains
 * and answers 0. A bad setting throws `UsageError` (one line, exit status 2) before anything connects.
 */
export async function runAgentCommand(
  flags: AgentFlags,
  version: string,
  io: AgentCommandIo,
): Promise<number> {
  let config: ReturnType<typeof parseAgentConfig>;
  try {
    config = parseAgentConfig(flags, io.env, version);
  } catch (error) {
    if (error instanceof AgentConfigError) throw new UsageError(`agent: ${error.message}`);
    throw error;
  }
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  let agent: Awaited<ReturnType<typeof startAgent>>;
  try {
    agent = await startAgent(config, { logger });
  } catch (error) {
    // The one start-up failure left: the health port is taken or not ours to bind.
    throw new UsageError(
      `agent: --health-port ${flags.healthPort ?? ""} could not be bound (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  logger.info(
    { pool: config.identity.pool, agentId: config.identity.agentId, allow: config.allow.length },
    "agent started",
  );
  const stop = () => void agent.stop();
  io.once("SIGTERM", stop);
  io.once("SIGINT", stop);
  await agent.done;
  await flushLogger(logger);
  return 0;
}
