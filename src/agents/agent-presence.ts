import { listenerConnectedSql, type NativeQuery } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { AgentInfo, AgentWatcher } from "./agent-hub.ts";

/** A connected agent and the replica that holds its stream. */
export interface PlacedAgent extends AgentInfo {
  /** The replica's id (its relay channel is `agents_<id>`). */
  readonly replicaId: string;
}

/**
 * The replicas' shared view of connected agents (`agent_streams`, migration m0022): this replica's
 * streams are written when they join, drain and leave (in that order, one write at a time) and refreshed
 * every `refreshMs` with their requests in flight. A replica is gone when its listening connection is
 * closed (it was killed: PostgreSQL notices at once) or when it has not refreshed its rows for
 * {@link STALE_SECONDS} (its host vanished): its rows are ignored at once, and swept later.
 */
export interface AgentPresence extends AgentWatcher {
  /** Other replicas with an agent of the pool that takes the connector and has room, least loaded first. */
  replicasFor(tenantId: string, pool: string, connector: string): Promise<string[]>;
  /** The tenant's connected agents on every replica, by pool. */
  list(tenantId: string, pool?: string): Promise<PlacedAgent[]>;
  /** Refreshes this replica's rows and sweeps stale ones now and every `refreshMs`; returns what stops it (and removes the rows). */
  start(): () => Promise<void>;
}

/** What {@link createAgentPresence} needs. */
export interface AgentPresenceDeps {
  readonly query: NativeQuery;
  readonly logger: Logger;
  readonly replicaId: string;
  /**
   * The replica's host name, kept in its rows for the operator who reads the table; tenants are shown the
   * replica's id only.
   */
  readonly replicaHost: string;
  /** This replica's streams as they are now. */
  readonly local: () => AgentInfo[];
  /** How often this replica's rows are refreshed. */
  readonly refreshMs: number;
}

/** A row older than this (seconds since its replica refreshed it) belongs to a replica that is gone. */
const STALE_SECONDS = 30;

/** SQL true while the `agent_streams` row aliased `s` has been refreshed lately. */
const FRESH = `s.seen_at > now() - interval '${STALE_SECONDS} seconds'`;
/** SQL true while the replica of the `agent_streams` row aliased `s` listens (it was not killed). */
const LISTENING = listenerConnectedSql("s.replica_id");

/**
 * SQL true when the replica `replicaSql` (an SQL expression) is gone: its listening connection is
 * closed, or it holds rows it has not refreshed for {@link STALE_SECONDS}. A live replica refreshes all
 * its rows at once, so one stale row is enough.
 */
export function replicaGoneSql(replicaSql: string): string {
  return `(not ${listenerConnectedSql(replicaSql)} or exists (select 1 from agent_streams s
    where s.replica_id = ${replicaSql} and s.seen_at <= now() - interval '${STALE_SECONDS} seconds'))`;
}

interface StreamRow {
  stream_id: string;
  replica_id: string;
  tenant_id: string;
  pool: string;
  agent_id: string;
  name: string;
  version: string;
  connectors: string[];
  capacity: number;
  in_flight: number;
  draining: boolean;
  /** Timestamps come back as PostgreSQL's text (the ORM's driver leaves them unparsed). */
  connected_at: string;
  last_heard_at: string;
}

export function createAgentPresence(deps: AgentPresenceDeps): AgentPresence {
  const { query, replicaId } = deps;
  // Writes about this replica's streams run one at a time, in the order the streams changed.
  let writes: Promise<unknown> = Promise.resolve();
  const write = (text: string, values: readonly unknown[]) => {
    writes = writes
      .then(() => query(text, values))
      .catch((error: unknown) => deps.logger.warn({ err: error }, "recording agent presence failed"));
  };

  const refresh = async () => {
    const agents = deps.local();
    await query(
      `with here as (
         select * from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::text[], $9::integer[], $10::integer[], $11::boolean[], $12::timestamptz[], $13::timestamptz[])
           as t(stream_id, tenant_id, pool, agent_id, name, version, connectors, capacity, in_flight,
             draining, connected_at, last_heard_at)
       ), gone as (
         delete from agent_streams where replica_id = $1 and stream_id not in (select stream_id from here)
       )
       insert into agent_streams (stream_id, replica_id, replica_host, tenant_id, pool, agent_id, name,
         version, connectors, capacity, in_flight, draining, connected_at, last_heard_at, seen_at)
       select stream_id, $1, $14, tenant_id, pool, agent_id, name, version, connectors::text[], capacity,
         in_flight, draining, connected_at, last_heard_at, now() from here
       on conflict (stream_id) do update set in_flight = excluded.in_flight,
         draining = excluded.draining, last_heard_at = excluded.last_heard_at, seen_at = now()`,
      [
        replicaId,
        agents.map((a) => a.streamId),
        agents.map((a) => a.tenantId),
        agents.map((a) => a.pool),
        agents.map((a) => a.agentId),
        agents.map((a) => a.name),
        agents.map((a) => a.version),
        // One text per stream (a Postgres array literal), as unnest cannot take an array of arrays of
        // different lengths.
        agents.map((a) => arrayLiteral(a.connectors)),
        agents.map((a) => a.capacity),
        agents.map((a) => a.inFlight),
        agents.map((a) => a.draining),
        agents.map((a) => a.connectedAt),
        agents.map((a) => a.lastHeardAt),
        deps.replicaHost,
      ],
    );
    await query(`delete from agent_streams where seen_at < now() - interval '${2 * STALE_SECONDS} seconds'`);
  };

  return {
    attached(agent) {
      write(
        `insert into agent_streams (stream_id, replica_id, replica_host, tenant_id, pool, agent_id, name,
           version, connectors, capacity, in_flight, draining, connected_at, last_heard_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, false, $11, $11)
         on conflict (stream_id) do nothing`,
        [
          agent.streamId,
          replicaId,
          deps.replicaHost,
          agent.tenantId,
          agent.pool,
          agent.agentId,
          agent.name,
          agent.version,
          agent.connectors,
          agent.capacity,
          agent.connectedAt,
        ],
      );
    },
    drained(streamId) {
      write("update agent_streams set draining = true where stream_id = $1", [streamId]);
    },
    closed(streamId) {
      write("delete from agent_streams where stream_id = $1", [streamId]);
    },

    async replicasFor(tenantId, pool, connector) {
      const { rows } = await query(
        `select replica_id from agent_streams s
          where tenant_id = $1 and pool = $2 and replica_id <> $3 and not draining
            and in_flight < capacity and ${FRESH} and ${LISTENING}
            and (cardinality(connectors) = 0 or $4 = any(connectors))
          group by replica_id
          order by sum(in_flight)::float / sum(capacity), random()
          limit 3`,
        [tenantId, pool, replicaId, connector],
      );
      return (rows as { replica_id: string }[]).map((r) => r.replica_id);
    },

    async list(tenantId, pool) {
      const { rows } = await query(
        `select * from agent_streams s
          where tenant_id = $1 and ($2::text is null or pool = $2)
            and ${FRESH} and (s.replica_id = $3 or ${LISTENING})
          order by pool, connected_at, stream_id`,
        [tenantId, pool ?? null, replicaId],
      );
      // This replica's own streams as they are this instant (rows lag by up to refreshMs).
      const here = new Map(deps.local().map((a) => [a.streamId, a]));
      return (rows as StreamRow[]).map((row) => {
        const live = row.replica_id === replicaId ? here.get(row.stream_id) : undefined;
        return {
          streamId: row.stream_id,
          tenantId: row.tenant_id,
          pool: row.pool,
          agentId: row.agent_id,
          name: row.name,
          version: row.version,
          connectors: row.connectors,
          capacity: row.capacity,
          inFlight: live?.inFlight ?? row.in_flight,
          connectedAt: new Date(row.connected_at),
          lastHeardAt: live?.lastHeardAt ?? new Date(row.last_heard_at),
          draining: live?.draining ?? row.draining,
          replicaId: row.replica_id,
        };
      });
    },

    start() {
      const beat = () => {
        writes = writes
          .then(refresh)
          .catch((error: unknown) => deps.logger.warn({ err: error }, "refreshing agent presence failed"));
      };
      beat();
      const timer = setInterval(beat, deps.refreshMs);
      timer.unref();
      return async () => {
        clearInterval(timer);
        await writes;
        await query("delete from agent_streams where replica_id = $1", [replicaId]).catch((error: unknown) =>
          deps.logger.warn({ err: error }, "removing agent presence failed"),
        );
      };
    },
  };
}

/** A Postgres array literal of `values` (each quoted, quotes and backslashes escaped). */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(",")}}`;
}
