import { randomUUID } from "node:crypto";
import type { NativeQuery, NotificationListener } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import { AgentError, type AgentErrorCode } from "./agent-error.ts";
import type { AgentAnswer, AgentHub, AgentRequest } from "./agent-hub.ts";

/**
 * Carries requests between replicas: a request for a pool whose agents hold their streams to another
 * replica is stored (`agent_relay`, migration m0022) and announced on that replica's channel
 * (`agents_<id>`, payload `q:<request id>`); that replica takes it, sends it through its own hub, stores
 * the answer or failure and announces it on the sender's channel (`a:<id>`). A sender that gives up (its
 * caller went away, or the deadline passed) deletes the row and says so (`c:<id>`), which cancels the
 * request at the agent. Payloads are ids only; bodies stay in the table.
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
  /** Hears this replica's channel and sweeps old rows; returns what stops it. */
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
}

/** Time a relayed request may take beyond its own deadline before its sender stops waiting. */
const TRANSIT_MS = 5_000;
const CODES = new Set<AgentErrorCode>([
  "AGENT_UNAVAILABLE",
  "AGENT_DISCONNECTED",
  "AGENT_EGRESS_REFUSED",
  "AGENT_TIMEOUT",
  "AGENT_FAILED",
]);

interface Waiting {
  readonly resolve: (answer: AgentAnswer) => void;
  readonly reject: (error: AgentError) => void;
}

interface AnswerRow {
  status: number | null;
  answer_headers: [string, string][] | null;
  answer_body: Buffer | null;
  failure_code: string | null;
  failure_message: string | null;
}

interface RequestRow {
  tenant_id: string;
  pool: string;
  method: string;
  url: string;
  headers: [string, string][];
  body: Buffer;
  deadline_ms: number;
  idempotent: boolean;
  connector: string;
  origin_id: string;
  age_ms: number;
}

export function createAgentRelay(deps: AgentRelayDeps): AgentRelay {
  const { query, logger, replicaId, hub } = deps;
  const channel = (replica: string) => `agents_${replica}`;
  // Requests this replica sent and waits for, and requests it serves for others.
  const waiting = new Map<string, Waiting>();
  const serving = new Map<string, AbortController>();

  const logged = (what: string) => (error: unknown) => logger.warn({ err: error }, what);

  // An answer stored for a request this replica waits for.
  const collect = async (id: string) => {
    if (!waiting.has(id)) return;
    const { rows } = await query(
      `delete from agent_relay where id = $1 and origin_id = $2 and answered
        returning status, answer_headers, answer_body, failure_code, failure_message`,
      [id, replicaId],
    );
    const row = rows[0] as AnswerRow | undefined;
    const entry = waiting.get(id);
    if (row === undefined || entry === undefined) return;
    waiting.delete(id);
    if (row.failure_code !== null) {
      const code = CODES.has(row.failure_code as AgentErrorCode)
        ? (row.failure_code as AgentErrorCode)
        : "AGENT_FAILED";
      entry.reject(new AgentError(code, row.failure_message ?? "the agent could not make the request"));
      return;
    }
    entry.resolve({
      status: row.status ?? 502,
      headers: row.answer_headers ?? [],
      body: row.answer_body ?? new Uint8Array(),
    });
  };

  // A request another replica stored for this one: made through this replica's hub, answered in the row.
  const serve = async (id: string) => {
    const { rows } = await query(
      `update agent_relay set taken = true where id = $1 and replica_id = $2 and not taken
        returning tenant_id, pool, method, url, headers, body, deadline_ms, idempotent, connector, origin_id,
          (extract(epoch from now() - created_at) * 1000)::integer as age_ms`,
      [id, replicaId],
    );
    const row = rows[0] as RequestRow | undefined;
    if (row === undefined) return;
    const controller = new AbortController();
    serving.set(id, controller);
    let answer: AgentAnswer | undefined;
    let failure: AgentError | undefined;
    try {
      answer = await hub.send(
        row.tenant_id,
        row.pool,
        {
          method: row.method,
          url: row.url,
          headers: row.headers,
          body: row.body,
          deadlineMs: Math.max(1, row.deadline_ms - Math.max(0, row.age_ms)),
          idempotent: row.idempotent,
          connector: row.connector,
        },
        controller.signal,
      );
    } catch (error) {
      failure =
        error instanceof AgentError
          ? error
          : new AgentError("AGENT_FAILED", "the replica holding the agent could not send the request");
      if (!(error instanceof AgentError)) logger.warn({ err: error }, "relaying an agent request failed");
    } finally {
      serving.delete(id);
    }
    if (controller.signal.aborted) return;
    await query(
      `with answered as (
         update agent_relay set answered = true, status = $2, answer_headers = $3, answer_body = $4,
           failure_code = $5, failure_message = $6
          where id = $1 returning origin_id
       ) select pg_notify('agents_' || origin_id, 'a:' || $1::text) from answered`,
      [
        id,
        answer?.status ?? null,
        answer === undefined ? null : JSON.stringify(answer.headers),
        answer === undefined ? null : Buffer.from(answer.body),
        failure?.code ?? null,
        failure?.message ?? null,
      ],
    );
  };

  const notified = (payload: string) => {
    const id = payload.slice(2);
    if (payload.startsWith("q:")) serve(id).catch(logged("serving a relayed agent request failed"));
    else if (payload.startsWith("a:")) collect(id).catch(logged("collecting a relayed agent answer failed"));
    else if (payload.startsWith("c:")) serving.get(id)?.abort();
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
             insert into agent_relay (id, replica_id, origin_id, tenant_id, pool, method, url, headers, body,
               deadline_ms, idempotent, connector)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id
           ) select pg_notify($13, 'q:' || id::text) from stored`,
          [
            id,
            target,
            replicaId,
            tenantId,
            pool,
            request.method,
            request.url,
            JSON.stringify(request.headers),
            Buffer.from(request.body),
            Math.max(1, Math.floor(request.deadlineMs)),
            request.idempotent,
            request.connector,
            channel(target),
          ],
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
        for (const { id } of rows as { id: string }[])
          serve(id).catch(logged("serving a relayed agent request failed"));
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
      return async () => {
        clearInterval(sweep);
        await stop();
      };
    },
  };
}
