import type { NativeQuery } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import { AgentError } from "./agent-error.ts";
import type { AgentAnswer, AgentHub } from "./agent-hub.ts";
import type { RelaySeal } from "./relay-seal.ts";

/** The side of the relay that makes other replicas' requests through this replica's agents. */
export interface RelayServer {
  /** Takes the stored request `id` (if it is still for this replica), makes it, stores the answer. */
  serve(id: string): void;
  /** The request's sender gave up: stop it at the agent. */
  cancel(id: string): void;
}

/** What {@link createRelayServer} needs. */
export interface RelayServerDeps {
  readonly query: NativeQuery;
  readonly logger: Logger;
  readonly replicaId: string;
  readonly hub: AgentHub;
  readonly seal: RelaySeal;
}

interface RequestRow {
  tenant_id: string;
  pool: string;
  request: string;
  age_ms: number;
}

/**
 * Makes a request another replica stored for this one (`agent_relay`) through this replica's hub, in the
 * requesting tenant's pool, with what is left of its deadline, and stores the answer or failure in the
 * row, announced on the sender's channel. Only the first taker of a row makes it.
 */
export function createRelayServer(deps: RelayServerDeps): RelayServer {
  const { query, logger, replicaId, hub, seal } = deps;
  const serving = new Map<string, AbortController>();

  const serve = async (id: string) => {
    const { rows } = await query(
      `update agent_relay set taken = true where id = $1 and replica_id = $2 and not taken
        returning tenant_id, pool, request, (extract(epoch from now() - created_at) * 1000)::integer as age_ms`,
      [id, replicaId],
    );
    const row = rows[0] as RequestRow | undefined;
    if (row === undefined) return;
    const controller = new AbortController();
    serving.set(id, controller);
    let answer: AgentAnswer | undefined;
    let failure: AgentError | undefined;
    try {
      const request = seal.openRequest(id, row.request);
      answer = await hub.send(
        row.tenant_id,
        row.pool,
        { ...request, deadlineMs: Math.max(1, request.deadlineMs - Math.max(0, row.age_ms)) },
        controller.signal,
      );
    } catch (error) {
      if (!(error instanceof AgentError)) logger.warn({ err: error }, "relaying an agent request failed");
      failure =
        error instanceof AgentError
          ? error
          : new AgentError("AGENT_FAILED", "the replica holding the agent could not send the request");
    } finally {
      serving.delete(id);
    }
    // Its sender gave up and deleted the row: nobody waits for an answer.
    if (controller.signal.aborted) return;
    await query(
      `with answered as (
         update agent_relay set answered = true, answer = $2, failure_code = $3, failure_message = $4
          where id = $1 returning origin_id
       ) select pg_notify('agents_' || origin_id, 'a:' || $1::text) from answered`,
      [
        id,
        answer === undefined ? null : seal.sealAnswer(id, answer),
        failure?.code ?? null,
        failure?.message ?? null,
      ],
    );
  };

  return {
    serve(id) {
      serve(id).catch((error: unknown) =>
        logger.warn({ err: error }, "serving a relayed agent request failed"),
      );
    },
    cancel(id) {
      serving.get(id)?.abort();
    },
  };
}
