import type { EntitySchema, MikroORM } from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import { MikroORM as PostgresOrm } from "@mikro-orm/postgresql";
import type { EntityManager } from "@mikro-orm/sql";
import type pg from "pg";
import type { Logger } from "../logging/logger.ts";
import { createCallerScope } from "./caller-scope.ts";
import { cancelDepartedStatements, type StatementStats } from "./cancel-departed-statements.ts";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "./embedded/embedded-postgres.ts";
import { MIGRATIONS } from "./migrations/index.ts";
import { observeStatements, type StatementObserver } from "./observe-statements.ts";
import type { PgPoolEvents } from "./pg-client.ts";
import { createProbeConnection, type ProbeConnection } from "./probe-connection.ts";
import { type PoolCounts, type PoolLoad, readPoolLoad } from "./read-pool-load.ts";

/** Options for {@link openDatabase}. */
export interface DatabaseOptions {
  /** PostgreSQL URL; undefined starts (or attaches to) the embedded PostgreSQL server in `dataDir`. */
  databaseUrl: string | undefined;
  /** Folder holding the embedded server's cluster (`<dataDir>/postgres`). */
  dataDir: string;
  /** Most pooled PostgreSQL connections. */
  poolMax: number;
  /** Where the ORM's own warnings go. */
  logger: Logger;
  /** Every entity the ORM maps: the composition root lists each feature's (src/entities.ts). */
  entities: readonly EntitySchema[];
  /**
   * Longest any statement on the pool may run, in milliseconds (PostgreSQL's `statement_timeout`,
   * enforced by the server); migrations run without it. Unset: no limit.
   */
  statementTimeoutMs?: number | undefined;
  /** Told of every statement on the pool (the tracer's database spans); unset: statements run untouched. */
  observeStatement?: StatementObserver | undefined;
}

/** The slice of node-postgres's `Pool` read here. */
interface PgPool extends PgPoolEvents, PoolCounts {}

/** The open database: the ORM plus the few operations the rest of Patchbay needs from it. */
export interface Database {
  /** `embedded` (the default: a private PostgreSQL server in the data folder) or `postgresql` (DATABASE_URL). */
  readonly kind: "embedded" | "postgresql";
  /** The connection URL, for the few parts that open connections of their own (LISTEN, pg-boss, pipelines). */
  readonly url: string;
  /** The MikroORM instance. */
  readonly orm: MikroORM;
  /** A fresh entity manager (its own identity map) for one unit of work. */
  em(): EntityManager;
  /** Applies pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  /** Names of migrations not yet applied. */
  pendingMigrations(): Promise<string[]>;
  /**
   * True when a trivial query succeeds within `timeoutMs`. It runs on a connection of its own, so a
   * busy pool does not make a reachable database look unreachable.
   */
  ping(timeoutMs?: number): Promise<boolean>;
  /**
   * Runs `work` for a caller: reads it issues (through `em()` or the native pool) are
   * cancelled once `signal` aborts, and not sent at all if it aborted while they waited for a
   * connection. Writes run to the statement timeout. See `cancel-departed-statements.ts`.
   */
  forCaller<T>(signal: AbortSignal, work: () => T): T;
  /** The ORM pool's connections and the statements waiting for one (undefined until the pool exists). */
  poolLoad(): PoolLoad | undefined;
  /** How many statements were cancelled or skipped because their caller had left. */
  statementStats(): StatementStats;
  /**
   * Tells the statement observer (when one was given) of the statements on a pool opened beside the
   * ORM's from `url` (the webhook event writers', the job queue's), as it is told of the ORM pool's.
   * Call it before the pool opens a connection: connections opened earlier go unobserved.
   */
  observePool(pool: pg.Pool): void;
  /** Closes connections (and leaves the embedded server, which the last process to leave stops). */
  close(): Promise<void>;
}

/** Opens PostgreSQL at `databaseUrl`, or the embedded server in `dataDir` when it is unset. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let url: string;
  if (options.databaseUrl === undefined) {
    embedded = await startEmbeddedPostgres({ dataDir: options.dataDir, logger: options.logger });
    url = embedded.url;
  } else {
    url = options.databaseUrl;
  }
  const kind: Database["kind"] = embedded === undefined ? "postgresql" : "embedded";
  const scope = createCallerScope();
  let pool: PgPool | undefined;
  let statementStats = (): StatementStats => ({ cancelled: 0, skipped: 0 });
  const timeout = options.statementTimeoutMs;
  let orm: MikroORM;
  try {
    orm = await PostgresOrm.init({
      entities: [...options.entities],
      extensions: [Migrator],
      migrations: {
        migrationsList: [...MIGRATIONS],
        transactional: true,
        allOrNothing: true,
        silent: true,
        snapshot: false,
        snapshotOnMigrate: false,
      },
      discovery: { warnWhenNoEntities: false },
      allowGlobalContext: false,
      debug: false,
      ensureDatabase: false,
      logger: (message: string) => options.logger.debug({ orm: message }, "orm"),
      clientUrl: url,
      pool: { min: 0, max: options.poolMax },
      // Merged into node-postgres's pool options; `onPoolCreated` is MikroORM's hook, not pg's.
      driverOptions: {
        application_name: "patchbay",
        ...(timeout !== undefined ? { statement_timeout: timeout } : {}),
        onPoolCreated: (created: PgPool) => {
          pool = created;
          statementStats = cancelDepartedStatements(created, scope);
          // Registered second, so it wraps the caller hook: a statement skipped for a departed caller is seen too.
          if (options.observeStatement !== undefined) observeStatements(created, options.observeStatement);
        },
      },
    });
  } catch (error) {
    await embedded?.release();
    throw error;
  }
  const probe: ProbeConnection = createProbeConnection(url);
  const em = () => orm.em.fork() as unknown as EntityManager;
  // MikroORM's migrator creates a missing database: a mistyped DATABASE_URL would quietly get an empty one.
  const requireDatabase = () => em().getConnection().execute("select 1");
  return {
    kind,
    url,
    orm,
    em,
    async migrate() {
      await requireDatabase();
      // Readies the migrator (its table) first, on a connection of its own: inside the transaction
      // below it must need no second connection, or a pool of one would wait on itself.
      await orm.migrator.getPending();
      const connection = em().getConnection();
      const applied = await connection.transactional(async (trx) => {
        // Replicas starting together take turns: the next one finds the migrations applied.
        await connection.execute(
          "select pg_advisory_xact_lock(hashtext('patchbay.migrations'))",
          [],
          "run",
          trx,
        );
        // A migration may rewrite a whole table: the API's statement timeout is not meant for it.
        await connection.execute("set local statement_timeout = 0", [], "run", trx);
        return orm.migrator.up({ transaction: trx });
      });
      return applied.map((m) => m.name);
    },
    async pendingMigrations() {
      await requireDatabase();
      return (await orm.migrator.getPending()).map((m) => m.name);
    },
    ping: (timeoutMs = 2000) => probe.ping(timeoutMs),
    forCaller: (signal, work) => scope.run(signal, work),
    poolLoad: () => (pool === undefined ? undefined : readPoolLoad(pool)),
    statementStats: () => statementStats(),
    observePool(other) {
      // pg's typings give the 'connect' listener a PoolClient without the connection fields the hook
      // reads (host, port, database), which every client has.
      if (options.observeStatement !== undefined)
        observeStatements(other as unknown as PgPoolEvents, options.observeStatement);
    },
    async close() {
      try {
        await probe.close();
        await orm.close(true);
      } finally {
        await embedded?.release();
      }
    },
  };
}
