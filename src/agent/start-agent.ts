import { lookup } from "node:dns/promises";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AgentService } from "../../gen/patchbay/agent/v1/agent_pb.ts";
import type { Logger } from "../logging/logger.ts";
import type { ResolveHost } from "../outbound/index.ts";
import type { AgentConfig } from "./agent-config.ts";
import { createAgentEgress } from "./agent-egress.ts";
import { backoffDelay } from "./backoff-delay.ts";
import { createRequestForwarder } from "./create-request-forwarder.ts";
import { runAgentSession } from "./run-agent-session.ts";
import { startHealthServer } from "./start-health-server.ts";

/** What the agent runs with besides its configuration; tests pass their own. */
export interface AgentEffects {
  readonly logger: Logger;
  /** Uniform in [0, 1); the reconnect jitter. */
  readonly random?: () => number;
  readonly resolve?: ResolveHost;
}

/** A running agent. */
export interface AgentHandle {
  /** Whether the current stream has been welcomed. */
  welcomed(): boolean;
  /** The health port actually bound (when `healthPort` was set; 0 binds any). */
  readonly healthPort: number | undefined;
  /** Sends Drain, lets in-flight requests finish (up to `drainMs`), closes the stream; resolves when done. */
  stop(): Promise<void>;
  /** Resolves when the agent has stopped. */
  readonly done: Promise<void>;
}

const defaultResolve: ResolveHost = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** Starts the agent: holds one stream to Patchbay and reconnects with backoff until stopped. */
export async function startAgent(config: AgentConfig, effects: AgentEffects): Promise<AgentHandle> {
  const { logger } = effects;
  const random = effects.random ?? Math.random;
  const forwarder = createRequestForwarder({
    egress: createAgentEgress(config.allow),
    resolve: effects.resolve ?? defaultResolve,
    proxy: config.proxy,
    chunkBytes: config.chunkBytes,
  });
  const transport = createGrpcTransport({ baseUrl: config.url });
  const client = createClient(AgentService, transport);
  const stopping = new AbortController();
  let welcomed = false;
  const health =
    config.healthPort === undefined ? undefined : await startHealthServer(config.healthPort, () => welcomed);

  const loop = async () => {
    let attempt = 0;
    while (!stopping.signal.aborted) {
      const end = await runAgentSession({
        client,
        key: config.key,
        identity: config.identity,
        forwarder,
        logger,
        stopping: stopping.signal,
        drainMs: config.drainMs,
        onWelcome: (welcome) => {
          welcomed = welcome !== undefined;
          if (welcomed) attempt = 0;
        },
      });
      if (end.kind === "stopped" || stopping.signal.aborted) break;
      if (end.kind === "drained") {
        logger.info("Patchbay drained the stream; reconnecting");
        continue;
      }
      const error = end.kind === "lost" && end.error !== undefined ? ConnectError.from(end.error) : undefined;
      const delay = backoffDelay(attempt, config.backoff, random);
      attempt += 1;
      const refused = error?.code === Code.PermissionDenied || error?.code === Code.Unauthenticated;
      // One line per reconnect; the message is the server's operator-safe text (never the key).
      logger.warn(
        {
          attempt,
          delayMs: delay,
          ...(error
            ? { code: Code[error.code], reason: error.rawMessage.split(config.key).join("[key]") }
            : {}),
        },
        refused ? "Patchbay refused the agent; retrying" : "agent stream lost; reconnecting",
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        stopping.signal.addEventListener(
          "abort",
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
    await forwarder.close();
    await new Promise<void>((resolve) => (health ? health.close(() => resolve()) : resolve()));
    logger.info("agent stopped");
  };
  const done = loop();
  return {
    welcomed: () => welcomed,
    healthPort: health === undefined ? undefined : (health.address() as AddressInfo).port,
    stop: async () => {
      stopping.abort();
      await done;
    },
    done,
  };
}
