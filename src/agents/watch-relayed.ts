import type { NativeQuery } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import { replicaGoneSql } from "./agent-presence.ts";

/** What {@link watchRelayed} needs. */
export interface RelayWatchDeps {
  readonly query: NativeQuery;
  readonly logger: Logger;
  /** This replica's id (the requests' origin). */
  readonly replicaId: string;
  /** The ids of the requests this replica waits for now. */
  readonly waiting: () => Iterable<string>;
  /**
   * The replica request `id` was relayed to is gone and the request's row is deleted; `taken` when that
   * replica had already taken it (the agent may have made it).
   */
  readonly gone: (id: string, taken: boolean) => void;
  /** How often the replicas waited on are looked at while requests wait. */
  readonly everyMs: number;
}

interface GoneRow {
  id: string;
  replica_id: string;
  taken: boolean;
}

/**
 * Notices that a replica this one relayed requests to is gone (killed, or its host vanished) while they
 * wait, instead of leaving their callers waiting until their deadlines: every `everyMs`, while requests
 * wait, the unanswered rows of those whose replica is gone are deleted (with a cancel on its channel, in
 * case it only lost its listening connection) and handed to `gone`, and the gone replica is logged. One
 * statement a tick, none while nothing waits. Returns what stops it.
 */
export function watchRelayed(deps: RelayWatchDeps): () => void {
  const { query, logger, replicaId } = deps;
  let checking = false;

  const check = async () => {
    const ids = [...deps.waiting()];
    if (ids.length === 0) return;
    const { rows } = await query(
      `with gone as (
         delete from agent_relay r
          where r.id = any($1::uuid[]) and r.origin_id = $2 and not r.answered
            and ${replicaGoneSql("r.replica_id")}
          returning r.id, r.replica_id, r.taken
       ) select id::text as id, replica_id, taken, pg_notify('agents_' || replica_id, 'c:' || id::text)
           from gone`,
      [ids, replicaId],
    );
    const ended = new Map<string, number>();
    for (const row of rows as GoneRow[]) {
      deps.gone(row.id, row.taken);
      ended.set(row.replica_id, (ended.get(row.replica_id) ?? 0) + 1);
    }
    for (const [replica, requests] of ended) {
      logger.warn({ replica, requests }, "a replica holding agents is gone: requests relayed to it end now");
    }
  };

  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    check()
      .catch((error: unknown) => logger.warn({ err: error }, "watching relayed agent requests failed"))
      .finally(() => {
        checking = false;
      });
  }, deps.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
