import { performance } from "node:perf_hooks";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import {
  type AgentMessage,
  type Hello,
  type ServerMessage,
  ServerMessageSchema,
} from "../../gen/patchbay/agent/v1/agent_pb.ts";
import { presentedKey, requirePrincipal } from "../auth/index.ts";
import { AGENT_CONNECTOR_SLUG } from "../protocol/agent-connector-slug.ts";
import type { AgentDeps } from "./agent-deps.ts";
import type { AgentStreamLimit } from "./agent-hub.ts";
import { awaitHello } from "./await-hello.ts";
import { createMessageQueue } from "./message-queue.ts";

/** Most requests an agent may say it makes at once. */
const MAX_CAPACITY = 10_000;
const AGENT_ID = /^[\x21-\x7e]{1,128}$/;
/** Most connectors of a Hello that are kept; the rest are left out. */
const MAX_CONNECTORS = 1_000;
/** What an agent is told when a limit of the hub refuses its stream (docs/agent.md). */
const REFUSALS: Readonly<Record<AgentStreamLimit, string>> = {
  perKey: "this agent key holds as many streams as it may on this replica: stop one first",
  perTenant: "this tenant holds as many agent streams as it may on this replica: stop one first",
  total: "this replica holds as many agent streams as it may: retry later",
};

/**
 * One agent's stream (AgentService.Connect). The key must be bound to a pool and the agent's Hello, due
 * within one heartbeat interval (the stream holds a place in the hub's limits meanwhile), must name that
 * pool; the stream is then welcomed and joins the hub, which sends it requests. It ends when
 * the agent closes it, falls silent for three heartbeat intervals, when its key stops working (checked
 * every `keyCheckMs`), and when the server begins to stop (after a Drain). Whatever it had in flight
 * then fails with AGENT_DISCONNECTED.
 */
export async function* serveAgentStream(
  deps: AgentDeps,
  requests: AsyncIterable<AgentMessage>,
  ctx: HandlerContext,
): AsyncIterable<ServerMessage> {
  const key = presentedKey(ctx.requestHeader) ?? "";
  const incoming = requests[Symbol.asyncIterator]();
  const principal = requirePrincipal(ctx);
  // Counted in the stream limits from the start, and given one heartbeat interval to say Hello: a stream
  // that never does is held neither forever nor outside the limits.
  const place = deps.hub.hold({ keyId: principal.keyId, tenantId: principal.tenantId });
  if (typeof place === "string") throw new ConnectError(REFUSALS[place], Code.ResourceExhausted);
  let first: IteratorResult<AgentMessage>;
  try {
    first = await awaitHello(incoming, deps.heartbeatMs, deps.leaving);
  } finally {
    // Given up before the stream attaches, with no await in between: its place passes to the session.
    place.release();
  }
  if (first.done === true || first.value.kind.case !== "hello") {
    throw new ConnectError("the first message of an agent's stream must be hello", Code.InvalidArgument);
  }
  // The first message is read before the key's pool is looked at: a malformed one is INVALID_ARGUMENT
  // whoever sends it, as on every other procedure.
  const pool = principal.agentPool;
  if (pool == null || pool === "") {
    throw new ConnectError(
      "this key serves no agent pool: create one with scope 'agent' and an agent pool",
      Code.PermissionDenied,
    );
  }
  const hello = checkHello(first.value.kind.value);
  if (hello.pool !== pool) {
    throw new ConnectError(
      `this key serves agent pool '${pool}', not the pool the agent named`,
      Code.PermissionDenied,
    );
  }

  const outgoing = createMessageQueue<ServerMessage>();
  const link = deps.hub.attach({
    keyId: principal.keyId,
    tenantId: principal.tenantId,
    pool,
    agentId: hello.agentId,
    name: hello.name.slice(0, 100),
    version: hello.version.slice(0, 64),
    connectors: hello.connectors.slice(0, MAX_CONNECTORS),
    capacity: hello.capacity === 0 ? 64 : hello.capacity,
    send: (message) => outgoing.push(message),
  });
  if (typeof link === "string") throw new ConnectError(REFUSALS[link], Code.ResourceExhausted);
  const log = deps.logger.child({ agentStream: link.streamId, pool });
  log.info({ agentVersion: hello.version.slice(0, 64) }, "agent connected");
  outgoing.push(
    create(ServerMessageSchema, {
      kind: {
        case: "welcome",
        value: {
          streamId: link.streamId,
          heartbeatIntervalMs: deps.heartbeatMs,
          maxResponseBodyBytes: deps.maxResponseBodyBytes,
        },
      },
    }),
  );

  let lastHeard = performance.now();
  // The first reason the stream ends for is the one logged.
  let why: string | undefined;
  const end = (reason: string) => {
    why ??= reason;
    outgoing.end();
  };
  void (async () => {
    for (let next = await incoming.next(); next.done !== true; next = await incoming.next()) {
      lastHeard = performance.now();
      link.received(next.value);
    }
  })().then(
    () => end("the agent closed its stream"),
    () => end("the agent's stream broke"),
  );
  const heartbeat = setInterval(() => {
    if (performance.now() - lastHeard > 3 * deps.heartbeatMs) {
      end("the agent fell silent");
      return;
    }
    outgoing.push(create(ServerMessageSchema, { kind: { case: "heartbeat", value: {} } }));
  }, deps.heartbeatMs);
  const keyCheck = setInterval(() => {
    deps.keys.verify(key).then(
      (now) => {
        if (now === undefined || now.agentPool !== pool) end("the agent's key was revoked");
      },
      () => undefined,
    );
  }, deps.keyCheckMs);
  const leave = () => {
    outgoing.push(create(ServerMessageSchema, { kind: { case: "drain", value: {} } }));
    end("the server is stopping");
  };
  deps.leaving.addEventListener("abort", leave, { once: true });
  ctx.signal.addEventListener("abort", () => end("the agent went away"), { once: true });
  try {
    yield* outgoing;
  } finally {
    clearInterval(heartbeat);
    clearInterval(keyCheck);
    deps.leaving.removeEventListener("abort", leave);
    link.closed();
    log.info({ reason: why ?? "the agent closed its stream" }, "agent disconnected");
  }
}

/** The Hello's fields within their bounds, or INVALID_ARGUMENT naming the field. */
function checkHello(hello: Hello): Hello {
  if (!AGENT_ID.test(hello.agentId)) {
    throw new ConnectError("hello.agent_id must be 1-128 printable characters", Code.InvalidArgument);
  }
  if (hello.capacity > MAX_CAPACITY) {
    throw new ConnectError(`hello.capacity must be at most ${MAX_CAPACITY}`, Code.InvalidArgument);
  }
  // Each name is kept for the stream's life, stored with its presence and listed: a slug, not a blob.
  if (hello.connectors.slice(0, MAX_CONNECTORS).some((slug) => !AGENT_CONNECTOR_SLUG.test(slug))) {
    throw new ConnectError(
      "hello.connectors must hold connector slugs (1-100 of [a-z0-9_-], starting with a letter or digit)",
      Code.InvalidArgument,
    );
  }
  return hello;
}
