import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import {
  type AgentMessage,
  AgentMessageSchema,
  type AgentService,
  type HttpRequest,
  RequestFailed_Reason,
  RequestFailed_ReasonSchema,
  type Welcome,
} from "../../gen/patchbay/agent/v1/agent_pb.ts";
import type { Logger } from "../logging/logger.ts";
import { createOutbox } from "./create-outbox.ts";
import type { RequestForwarder } from "./create-request-forwarder.ts";

/** Who the agent is (the Hello it sends). */
export interface AgentIdentity {
  readonly agentId: string;
  readonly name: string;
  readonly version: string;
  readonly pool: string;
  readonly connectors: readonly string[];
  readonly capacity: number;
}

/** How one stream ended: `drained` after a server Drain (reconnect at once), `stopped` after a local stop. */
export type SessionEnd =
  | { readonly kind: "drained" | "stopped" }
  | { readonly kind: "lost"; readonly error?: unknown };

/** What one stream runs with. */
export interface AgentSessionOptions {
  readonly client: Client<typeof AgentService>;
  readonly key: string;
  readonly identity: AgentIdentity;
  readonly forwarder: RequestForwarder;
  readonly logger: Logger;
  /** Aborted when the agent stops: Drain is sent and in-flight requests get `drainMs` to finish. */
  readonly stopping: AbortSignal;
  readonly drainMs: number;
  /** Called with the Welcome, and with undefined when the stream stops being welcomed. */
  readonly onWelcome: (welcome: Welcome | undefined) => void;
}

const message = (kind: NonNullable<MessageInitShape<typeof AgentMessageSchema>["kind"]>) =>
  create(AgentMessageSchema, { kind });

/** How long the answer to Hello may take. */
const WELCOME_TIMEOUT_MS = 30_000;

/** Runs one `AgentService.Connect` stream: Hello, Welcome, heartbeats, requests; answers how it ended. */
export async function runAgentSession(options: AgentSessionOptions): Promise<SessionEnd> {
  const { identity, logger, forwarder } = options;
  const outbox = createOutbox<AgentMessage>();
  const call = new AbortController();
  const inFlight = new Map<string, AbortController>();
  let welcome: Welcome | undefined;
  let lastHeard = performance.now();
  let draining: "server" | "local" | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  let lost: SessionEnd | undefined;

  const finishDrain = () => {
    if (draining === undefined || inFlight.size > 0) return;
    outbox.end();
    // The server ends its side once ours is closed; do not wait long for it.
    setTimeout(() => call.abort(), 5_000).unref();
  };
  const startDrain = (by: "server" | "local") => {
    if (draining !== undefined) return;
    draining = by;
    logger.info({ inFlight: inFlight.size, by }, "agent draining");
    if (by === "local") void outbox.send(message({ case: "drain", value: {} }));
    drainTimer = setTimeout(() => {
      if (inFlight.size > 0) {
        logger.warn(
          { cut: inFlight.size, drainMs: options.drainMs },
          "drain time over; requests in flight are cut",
        );
      }
      for (const controller of inFlight.values()) controller.abort();
      inFlight.clear();
      finishDrain();
    }, options.drainMs);
    finishDrain();
  };
  const onStop = () => startDrain("local");
  options.stopping.addEventListener("abort", onStop);

  const refuse = (request: HttpRequest, reason: RequestFailed_Reason, text: string) =>
    void outbox.send(
      message({ case: "requestFailed", value: { requestId: request.id, reason, message: text } }),
    );
  const handle = (request: HttpRequest, welcomed: Welcome) => {
    if (inFlight.has(request.id)) {
      refuse(request, RequestFailed_Reason.INVALID, "the request id is already in flight");
      return;
    }
    if (draining !== undefined || inFlight.size >= identity.capacity) {
      refuse(
        request,
        RequestFailed_Reason.OVERLOADED,
        draining ? "the agent is draining" : "the agent is at capacity",
      );
      return;
    }
    if (identity.connectors.length > 0 && !identity.connectors.includes(request.connector)) {
      refuse(request, RequestFailed_Reason.CONNECTOR_REFUSED, "the agent does not serve this connector");
      return;
    }
    const controller = new AbortController();
    inFlight.set(request.id, controller);
    void forwarder
      .forward(request, welcomed.maxResponseBodyBytes, (m) => outbox.send(m), controller.signal)
      .then((outcome) => {
        const failure =
          "failed" in outcome ? RequestFailed_ReasonSchema.value[outcome.failed]?.name : undefined;
        logger.info(
          {
            requestId: request.id,
            connector: request.connector,
            method: request.method,
            ...("status" in outcome ? { status: outcome.status } : { failure }),
          },
          "agent request",
        );
        if (inFlight.get(request.id) === controller) inFlight.delete(request.id);
        finishDrain();
      });
  };

  // A stream that is never welcomed (a proxy holding it, a stuck replica) is given up like a silent one.
  const unwelcomed = setTimeout(() => {
    lost = { kind: "lost", error: new Error("no Welcome from Patchbay") };
    call.abort();
  }, WELCOME_TIMEOUT_MS);
  await outbox.send(message({ case: "hello", value: { ...identity, connectors: [...identity.connectors] } }));
  try {
    const responses = options.client.connect(outbox.messages, {
      signal: call.signal,
      headers: { authorization: `Bearer ${options.key}` },
    });
    for await (const incoming of responses) {
      lastHeard = performance.now();
      const kind = incoming.kind;
      if (kind.case === "welcome" && welcome === undefined) {
        welcome = kind.value;
        clearTimeout(unwelcomed);
        options.onWelcome(welcome);
        logger.info({ streamId: welcome.streamId, pool: identity.pool }, "agent connected");
        const interval = Math.max(welcome.heartbeatIntervalMs, 100);
        heartbeat = setInterval(() => {
          if (performance.now() - lastHeard > 3 * interval) {
            lost = { kind: "lost", error: new Error("no heartbeat from Patchbay for three intervals") };
            call.abort();
            return;
          }
          void outbox.send(message({ case: "heartbeat", value: { inFlight: inFlight.size } }));
        }, interval);
      } else if (welcome === undefined) {
        throw new Error("Patchbay sent something before Welcome");
      } else if (kind.case === "request") handle(kind.value, welcome);
      else if (kind.case === "cancel") {
        inFlight.get(kind.value.requestId)?.abort();
        inFlight.delete(kind.value.requestId);
        finishDrain();
      } else if (kind.case === "drain") startDrain("server");
    }
    return (
      lost ??
      (draining === "local"
        ? { kind: "stopped" }
        : draining === "server"
          ? { kind: "drained" }
          : { kind: "lost" })
    );
  } catch (error) {
    if (lost !== undefined) return lost;
    if (draining === "local" && call.signal.aborted) return { kind: "stopped" };
    if (draining === "server" && call.signal.aborted) return { kind: "drained" };
    return { kind: "lost", error };
  } finally {
    clearInterval(heartbeat);
    clearTimeout(unwelcomed);
    clearTimeout(drainTimer);
    options.stopping.removeEventListener("abort", onStop);
    for (const controller of inFlight.values()) controller.abort();
    outbox.end();
    call.abort();
    options.onWelcome(undefined);
  }
}
