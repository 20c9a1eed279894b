import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import {
  type AgentMessage,
  RequestFailed_Reason,
  type ServerMessage,
  ServerMessageSchema,
} from "../../gen/patchbay/agent/v1/agent_pb.ts";
import {
  type StreamLimit,
  type StreamLimits,
  type StreamOwner,
  streamLimitPassed,
} from "../protocol/stream-limits.ts";
import { AgentError } from "./agent-error.ts";

/** An HTTP request to make through an agent of a pool. */
export interface AgentRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
  /** Time budget in milliseconds. */
  readonly deadlineMs: number;
  readonly idempotent: boolean;
  /** The connector whose command makes it. */
  readonly connector: string;
}

/** The agent's answer. */
export interface AgentAnswer {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
}

/** A connected agent, as ListAgents and the admin page show it. */
export interface AgentInfo {
  readonly streamId: string;
  readonly tenantId: string;
  readonly pool: string;
  readonly agentId: string;
  readonly name: string;
  readonly version: string;
  readonly connectors: readonly string[];
  readonly capacity: number;
  readonly inFlight: number;
  readonly connectedAt: Date;
  readonly lastHeardAt: Date;
  readonly draining: boolean;
}

/** What an agent's stream hands the hub when it is welcomed. */
export interface AgentStream {
  /** The API key the stream authenticated with. */
  readonly keyId: string;
  readonly tenantId: string;
  readonly pool: string;
  readonly agentId: string;
  readonly name: string;
  readonly version: string;
  readonly connectors: readonly string[];
  readonly capacity: number;
  /** Sends a message on the stream. */
  readonly send: (message: ServerMessage) => void;
}

/** The hub's side of one agent's stream. */
export interface AgentLink {
  readonly streamId: string;
  /** A message the agent sent (after its Hello). */
  received(message: AgentMessage): void;
  /** The stream ended: what it had in flight fails with AGENT_DISCONNECTED. */
  closed(): void;
}

/** A place {@link AgentHub.hold} keeps for a stream until it says Hello. */
export interface AgentPlace {
  /** Gives the place up: the stream was welcomed (and attached at once), or ended. */
  release(): void;
}

/** Limits of the agent streams one process holds open at once. */
export type AgentStreamLimits = StreamLimits;

/** Which of the {@link AgentStreamLimits} refused a stream. */
export type AgentStreamLimit = StreamLimit;

/** Options of {@link createAgentHub}. */
export interface AgentHubOptions {
  /** Largest response body taken from an agent, in bytes. */
  readonly maxResponseBodyBytes: number;
  readonly streamLimits: AgentStreamLimits;
  readonly now: () => Date;
  /** Told when a stream joins, starts to drain and leaves (the replicas' shared view of agents). */
  readonly watcher?: AgentWatcher;
}

/** What a hub tells about its streams as they change. */
export interface AgentWatcher {
  attached(agent: AgentInfo): void;
  drained(streamId: string): void;
  closed(streamId: string): void;
}

/**
 * The agents connected to this process, by tenant and pool, and the requests in flight through them. A
 * request goes to the pool's agent with the fewest requests in flight among those that accept its
 * connector, have room and are not draining; none is AGENT_UNAVAILABLE. An answer is collected whole
 * (head and body chunks, up to the body limit) before it is handed back.
 */
export interface AgentHub {
  /**
   * Keeps a place for a stream that has not said Hello yet, counted in every limit as an attached
   * stream is, or names the limit that refuses it.
   */
  hold(owner: StreamOwner): AgentPlace | AgentStreamLimit;
  /** Registers a welcomed stream, or names the limit that refuses it. */
  attach(stream: AgentStream): AgentLink | AgentStreamLimit;
  /** Makes `request` through an agent of the tenant's pool; rejects with an {@link AgentError}. */
  send(tenantId: string, pool: string, request: AgentRequest, signal?: AbortSignal): Promise<AgentAnswer>;
  /** The connected agents of one tenant, or of every tenant. */
  list(tenantId?: string): AgentInfo[];
}

interface Pending {
  readonly resolve: (answer: AgentAnswer) => void;
  readonly reject: (error: AgentError) => void;
  head?: { status: number; headers: (readonly [string, string])[] };
  chunks: Uint8Array[];
  size: number;
}

interface Session {
  readonly stream: AgentStream;
  readonly streamId: string;
  readonly connectedAt: Date;
  lastHeardAt: Date;
  draining: boolean;
  readonly pending: Map<string, Pending>;
}

const FAILURES: Readonly<Record<number, [AgentError["code"], string]>> = {
  [RequestFailed_Reason.EGRESS_REFUSED]: [
    "AGENT_EGRESS_REFUSED",
    "the agent's egress policy refuses the target",
  ],
  [RequestFailed_Reason.TIMEOUT]: ["AGENT_TIMEOUT", "the agent's request ran out of time"],
};

export function createAgentHub(options: AgentHubOptions): AgentHub {
  const sessions = new Map<string, Set<Session>>();
  // Streams waiting for their Hello: the same owner may hold several, so each place is its own object.
  const waiting = new Set<{ readonly owner: StreamOwner }>();
  const passedBy = (owner: StreamOwner) => {
    const open = [...sessions.values()].flatMap((pool) => [...pool].map((s): StreamOwner => s.stream));
    for (const place of waiting) open.push(place.owner);
    return streamLimitPassed(options.streamLimits, open, (o) => o, owner);
  };
  const poolKey = (tenantId: string, pool: string) => JSON.stringify([tenantId, pool]);

  const settle = (session: Session, id: string): Pending | undefined => {
    const pending = session.pending.get(id);
    session.pending.delete(id);
    return pending;
  };
  const answered = (session: Session, id: string, data: Uint8Array, end: boolean) => {
    const pending = session.pending.get(id);
    if (pending?.head === undefined) return;
    pending.chunks.push(data);
    pending.size += data.byteLength;
    if (pending.size > options.maxResponseBodyBytes) {
      settle(session, id);
      session.stream.send(
        create(ServerMessageSchema, { kind: { case: "cancel", value: { requestId: id } } }),
      );
      pending.reject(
        new AgentError("AGENT_FAILED", "the upstream's answer is larger than the agents' limit"),
      );
      return;
    }
    if (!end) return;
    settle(session, id);
    pending.resolve({ ...pending.head, body: Buffer.concat(pending.chunks) });
  };

  return {
    hold(owner) {
      const passed = passedBy(owner);
      if (passed !== undefined) return passed;
      const place = { owner: { keyId: owner.keyId, tenantId: owner.tenantId } };
      waiting.add(place);
      return { release: () => waiting.delete(place) };
    },

    attach(stream) {
      const passed = passedBy(stream);
      if (passed !== undefined) return passed;
      const at = options.now();
      const session: Session = {
        stream,
        streamId: randomUUID(),
        connectedAt: at,
        lastHeardAt: at,
        draining: false,
        pending: new Map(),
      };
      const key = poolKey(stream.tenantId, stream.pool);
      const pool = sessions.get(key) ?? new Set<Session>();
      pool.add(session);
      sessions.set(key, pool);
      options.watcher?.attached(info(session));
      return {
        streamId: session.streamId,
        received(message) {
          session.lastHeardAt = options.now();
          const { kind } = message;
          switch (kind.case) {
            case "responseHead": {
              const pending = session.pending.get(kind.value.requestId);
              if (pending === undefined || pending.head !== undefined) return;
              pending.head = {
                status: kind.value.status,
                headers: kind.value.headers.map((h) => [h.name, h.value] as const),
              };
              answered(session, kind.value.requestId, kind.value.body, kind.value.end);
              return;
            }
            case "responseBody":
              answered(session, kind.value.requestId, kind.value.data, kind.value.end);
              return;
            case "requestFailed": {
              const pending = settle(session, kind.value.requestId);
              const [code, words] = FAILURES[kind.value.reason] ?? [
                "AGENT_FAILED",
                `the agent could not make the request (${reasonName(kind.value.reason)})`,
              ];
              pending?.reject(new AgentError(code, words));
              return;
            }
            case "drain":
              if (!session.draining) options.watcher?.drained(session.streamId);
              session.draining = true;
              return;
            default:
              // Heartbeats only tell that the agent is there; a second Hello is ignored.
              return;
          }
        },
        closed() {
          if (!pool.delete(session)) return;
          if (pool.size === 0 && sessions.get(key) === pool) sessions.delete(key);
          options.watcher?.closed(session.streamId);
          for (const [id, pending] of session.pending) {
            session.pending.delete(id);
            pending.reject(
              new AgentError(
                "AGENT_DISCONNECTED",
                "the agent left before it answered: the request may have been made",
              ),
            );
          }
        },
      };
    },

    send(tenantId, pool, request, signal) {
      const candidates = [...(sessions.get(poolKey(tenantId, pool)) ?? [])].filter(
        (s) =>
          !s.draining &&
          s.pending.size < s.stream.capacity &&
          (s.stream.connectors.length === 0 || s.stream.connectors.includes(request.connector)),
      );
      candidates.sort((a, b) => a.pending.size - b.pending.size);
      const session = candidates[0];
      if (session === undefined) {
        return Promise.reject(
          new AgentError(
            "AGENT_UNAVAILABLE",
            `no agent of pool '${pool}' is connected with room for this request`,
          ),
        );
      }
      const id = randomUUID();
      return new Promise<AgentAnswer>((resolve, reject) => {
        const timer = setTimeout(
          () => fail("AGENT_TIMEOUT", "the agent did not answer in time"),
          request.deadlineMs,
        );
        const aborted = () => fail("AGENT_TIMEOUT", "the request was cancelled before the agent answered");
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", aborted);
        };
        const fail = (code: AgentError["code"], words: string) => {
          if (settle(session, id) === undefined) return;
          done();
          session.stream.send(
            create(ServerMessageSchema, { kind: { case: "cancel", value: { requestId: id } } }),
          );
          reject(new AgentError(code, words));
        };
        session.pending.set(id, {
          resolve: (answer) => {
            done();
            resolve(answer);
          },
          reject: (error) => {
            done();
            reject(error);
          },
          chunks: [],
          size: 0,
        });
        if (signal?.aborted) {
          aborted();
          return;
        }
        signal?.addEventListener("abort", aborted, { once: true });
        session.stream.send(
          create(ServerMessageSchema, {
            kind: {
              case: "request",
              value: {
                id,
                method: request.method,
                url: request.url,
                headers: request.headers.map(([name, value]) => ({ name, value })),
                body: request.body,
                deadlineMs: Math.max(1, Math.floor(request.deadlineMs)),
                idempotent: request.idempotent,
                connector: request.connector,
              },
            },
          }),
        );
      });
    },

    list(tenantId) {
      const out: AgentInfo[] = [];
      for (const pool of sessions.values()) {
        for (const s of pool) if (tenantId === undefined || s.stream.tenantId === tenantId) out.push(info(s));
      }
      return out;
    },
  };
}

function info(s: Session): AgentInfo {
  return {
    streamId: s.streamId,
    tenantId: s.stream.tenantId,
    pool: s.stream.pool,
    agentId: s.stream.agentId,
    name: s.stream.name,
    version: s.stream.version,
    connectors: [...s.stream.connectors],
    capacity: s.stream.capacity,
    inFlight: s.pending.size,
    connectedAt: s.connectedAt,
    lastHeardAt: s.lastHeardAt,
    draining: s.draining,
  };
}

/** A failure reason's name for an operator (`UNREACHABLE`), or its number when this release lacks it. */
function reasonName(reason: RequestFailed_Reason): string {
  return (
    Object.entries(RequestFailed_Reason).find(([, value]) => value === reason)?.[0] ?? `reason ${reason}`
  );
}
