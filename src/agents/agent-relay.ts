import { randomUUID } from "node:crypto";
import type { NativeQuery, NotificationListener } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import { AgentError, type AgentErrorCode } from "./agent-error.ts";
import type { AgentAnswer, AgentHub, AgentRequest } from "./agent-hub.ts";
import type { RelaySeal } from "./relay-seal.ts";
import { createRelayServer } from "./relay-server.ts";
import { watchRelayed } from "./watch-relayed.ts";

/**
 * Carries requests between replicas: a request for a pool whose agents hold their streams to another
 * replica is stored (`agent_relay`, migration m0022) and announced on that replica's channel
 * (`agents_<id>`, payload `q:<request id>`); that replica takes it, sends it through its own hub, stores
 * the answer or failure and announces it on the sender's channel (`a:<id>`). A sender that gives up (its
 * caller went away, or the deadline passed) deletes the row and says so (`c:<id>`), which cancels the
 * request at the agent. A sender whose target replica is gone while it waits (see `replicaGoneSql`)
 * stops waiting within {@link WATCH_MS}: AGENT_UNAVAILABLE when the request was not taken yet (the router
 * tries another replica), AGENT_DISCONNECTED when it was (it may have been made). Payloads are ids only;
 * bodies stay in the table.
 */
export interface AgentRelay {
  /** This replica's id. */
  readonly replicaId: string;
  /** Sends `request` through an agent held by `replicaId`; rejects with an {@link AgentError}. */
  send(
    replicaId: string,
    tenantId: string,
    pool: string,
    request: AgentRequest,
    signal?: AbortSignal,
  ): Promise<AgentAnswer>;
  /** Hears this replica's channel, watches the replicas it waits on and sweeps old rows; returns what stops it. */
  start(notifications: NotificationListener): Promise<() => Promise<void>>;
}

/** What {@link createAgentRelay} needs. */
export interface AgentRelayDeps {
  readonly query: NativeQuery;
  readonly logger: Logger;
  /** This replica's id: lower-case letters and digits (it names a channel). */
  readonly replicaId: string;
  /** This replica's agents. */
  readonly hub: AgentHub;
  /** Seals what rows hold (requests carry credentials). */
  readonly seal: RelaySeal;
}

/** Time a relayed request may take beyond its own deadline before its sender stops waiting. */
const TRANSIT_MS = 5_000;
/** How often a replica with relayed requests waiting looks whether the replicas they wait on are gone. */
const WATCH_MS = 1_000;

interface Waiting {
  readonly resolve: (answer: AgentAnswer) => void;
  readonly reject: (error: AgentError) => void;
}

interface AnswerRow {
  answer: string | null;
  failure_code: string | null;
  failure_message: string | null;
}

export function createAgentRelay(deps: AgentRelayDeps): AgentRelay {
  const { query, logger, replicaId, hub, seal } = deps;
  const channel = (replica: string) => `agents_${replica}`;
  // Requests this replica sent and waits for; the server makes those others sent to it.
  const waiting = new Map<string, Waiting>();
  const server = createRelayServer({ query, logger, replicaId, hub, seal });

  const logged = (what: string) => (error: unknown) => logger.warn({ err: error }, what);

  // An answer stored for a request this replica waits for.
  const collect = async (id: string) => {
    if (!waiting.has(id)) return;
    const { rows } = await query(
      `delete from agent_relay where id = $1 and origin_id = $2 and answered
        returning answer, failure_code, failure_message`,
      [id, replicaId],
    );
    const row = rows[0] as AnswerRow | undefined;
    const entry = waiting.get(id);
    if (row === undefined || entry === undefined) return;
    waiting.delete(id);
    if (row.failure_code !== null) {
      entry.reject(
        AgentError.of(row.failure_code, row.failure_message ?? "the agent could not make the request"),
      );
      return;
    }
    try {
      if (row.answer === null) throw new Error("answered without an answer");
      entry.resolve(seal.openAnswer(id, row.answer));
    } catch (error) {
      // Replicas that do not share the master key cannot read each other's rows.
      logger.warn({ err: error }, "a relayed agent answer could not be opened");
      entry.reject(new AgentError("AGENT_FAILED", "the relayed answer could not be read"));
    }
  };

  // The replica the request was sent to is gone (killed, or its host vanished); its row is deleted.
  const gone = (id: string, taken: boolean) => {
    const entry = waiting.get(id);
    if (entry === undefined) return;
    waiting.delete(id);
    entry.reject(
      taken
        ? new AgentError("AGENT_DISCONNECTED", "the replica holding the agent went away before it answered")
        : new AgentError("AGENT_UNAVAILABLE", "the replica holding the agent is gone"),
    );
  };

  const notified = (payload: string) => {
    const id = payload.slice(2);
    if (payload.startsWith("q:")) server.serve(id);
    else if (payload.startsWith("a:")) collect(id).catch(logged("collecting a relayed agent answer failed"));
    else if (payload.startsWith("c:")) server.cancel(id);
  };

  return {
    replicaId,

    send(target, tenantId, pool, request, signal) {
      const id = randomUUID();
      return new Promise<AgentAnswer>((resolve, reject) => {
        const timer = setTimeout(
          () => giveUp("AGENT_TIMEOUT", "the agent did not answer in time"),
          request.deadlineMs + TRANSIT_MS,
        );
        const aborted = () => giveUp("AGENT_TIMEOUT", "the request was cancelled before the agent answered");
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", aborted);
        };
        const giveUp = (code: AgentErrorCode, words: string) => {
          if (!waiting.delete(id)) return;
          done();
          reject(new AgentError(code, words));
          query(
            `with gone as (delete from agent_relay where id = $1 returning replica_id)
             select pg_notify('agents_' || replica_id, 'c:' || $1::text) from gone`,
            [id],
          ).catch(logged("cancelling a relayed agent request failed"));
        };
        waiting.set(id, {
          resolve: (answer) => {
            done();
            resolve(answer);
          },
          reject: (error) => {
            done();
            reject(error);
          },
        });
        if (signal?.aborted) {
          aborted();
          return;
        }
        signal?.addEventListener("abort", aborted, { once: true });
        query(
          `with stored as (
             insert into agent_relay (id, replica_id, origin_id, tenant_id, pool, request)
             values ($1, $2, $3, $4, $5, $6) returning id
           ) select pg_notify($7, 'q:' || id::text) from stored`,
          [id, target, replicaId, tenantId, pool, seal.sealRequest(id, request), channel(target)],
        ).catch((error: unknown) => {
          logger.warn({ err: error }, "relaying an agent request failed");
          const entry = waiting.get(id);
          if (entry === undefined) return;
          waiting.delete(id);
          entry.reject(
            new AgentError("AGENT_UNAVAILABLE", "the request could not be handed to another replica"),
          );
        });
      });
    },

    async start(notifications) {
      let deafened = false;
      // What was announced while this replica did not listen is looked for once it listens again.
      const catchUp = async () => {
        const { rows } = await query(
          "select id::text as id from agent_relay where replica_id = $1 and not taken",
          [replicaId],
        );
        for (const { id } of rows as { id: string }[]) server.serve(id);
        for (const id of waiting.keys())
          collect(id).catch(logged("collecting a relayed agent answer failed"));
      };
      const stop = await notifications.listen(channel(replicaId), {
        notified,
        listening: () => {
          if (deafened) catchUp().catch(logged("catching up on relayed agent requests failed"));
          deafened = false;
        },
        deaf: () => {
          deafened = true;
        },
      });
      const sweep = setInterval(() => {
        query("delete from agent_relay where created_at < now() - interval '15 minutes'").catch(
          logged("sweeping relayed agent requests failed"),
        );
      }, 60_000);
      sweep.unref();
      const unwatch = watchRelayed({
        query,
        logger,
        replicaId,
        waiting: () => waiting.keys(),
        gone,
        everyMs: WATCH_MS,
      });
      return async () => {
        unwatch();
        clearInterval(sweep);
        await stop();
      };
    },
  };
}
