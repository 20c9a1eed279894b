import { Migration } from "@mikro-orm/migrations";

/**
 * On-premise agents across replicas. An agent holds its stream to one replica; a request sent on
 * another replica travels through the database to the one that holds an agent of its pool.
 *
 * - `agent_streams`: each replica's connected agent streams (one row per stream), written when a stream
 *   is welcomed and when it ends, refreshed every few seconds (`seen_at`, requests in flight). A replica
 *   that vanished without a word leaves rows whose `seen_at` grows old: readers ignore them and any
 *   replica sweeps them.
 * - `agent_relay`: a request waiting for the replica that holds the agent (`replica_id`), then its
 *   answer for the replica that sent it (`origin_id`); each side is told on its own channel
 *   (`agents_<replica id>`). The request (URL, headers with credentials, body) and the answer are sealed
 *   with the master key, bound to the row. Rows live for one request; old ones are swept.
 *
 * New tables only: a replica of the previous release ignores them.
 */
export class M0022AgentRelay extends Migration {
  override name = "m0022-agent-relay";

  override up(): void {
    this.addSql(`create table agent_streams (
      stream_id uuid primary key,
      replica_id text not null,
      replica_host text not null,
      tenant_id text not null,
      pool text not null,
      agent_id text not null,
      name text not null,
      version text not null,
      connectors text[] not null,
      capacity integer not null,
      in_flight integer not null default 0,
      draining boolean not null default false,
      connected_at timestamptz not null,
      last_heard_at timestamptz not null,
      seen_at timestamptz not null default now()
    )`);
    this.addSql("create index agent_streams_pool_idx on agent_streams (tenant_id, pool)");
    this.addSql(`create table agent_relay (
      id uuid primary key,
      replica_id text not null,
      origin_id text not null,
      tenant_id text not null,
      pool text not null,
      request text not null,
      taken boolean not null default false,
      answered boolean not null default false,
      answer text null,
      failure_code text null,
      failure_message text null,
      created_at timestamptz not null default now()
    )`);
    this.addSql("create index agent_relay_replica_idx on agent_relay (replica_id) where not taken");
  }
}
