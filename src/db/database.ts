import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { MikroORM } from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "../logging/logger.ts";
import { createCallerScope } from "./caller-scope.ts";
import {
  cancelDepartedStatements,
  type PgPoolEvents,
  type StatementStats,
} from "./cancel-departed-statements.ts";
import { acquireDataDirLock, type DataDirLock } from "./data-dir-lock.ts";
import { ENTITIES } from "./entities.ts";
import { MIGRATIONS } from "./migrations/index.ts";
import { createProbeConnection, type ProbeConnection } from "./probe-connection.ts";

/** Options for {@link openDatabase}. */
export interface DatabaseOptions {
  /** PostgreSQL URL; undefined opens the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  /** Folder holding the embedded database (`<dataDir>/pgdata`). */
  dataDir: string;
  /** Most pooled PostgreSQL connections. */
  poolMax: number;
  /** Where the ORM's own warnings go. */
  logger: Logger;
  /**
   * Longest any statement on the pool may run, in milliseconds (PostgreSQL's `statement_timeout`,
   * enforced by the server); migrations run without it. Unset: no limit. PGlite ignores it.
   */
  statementTimeoutMs?: number | undefined;
}

/** The pool's connections right now (PostgreSQL only). */
export interface PoolLoad {
  /** Connections open. */
  readonly size: number;
  /** Connections open and free. */
  readonly idle: number;
  /** Statements waiting for a connection. */
  readonly waiting: number;
}

/** The slice of node-postgres's `Pool` read here. */
interface PgPool extends PgPoolEvents {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/** The open database: the ORM plus the few operations the rest of Patchbay needs from it. */
export interface Database {
  /** `pglite` (embedded default) or `postgresql`. */
  readonly kind: "pglite" | "postgresql";
  /** The MikroORM instance. */
  readonly orm: MikroORM;
  /** A fresh entity manager (its own identity map) for one unit of work. */
  em(): EntityManager;
  /** Applies pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  /** Names of migrations not yet applied. */
  pendingMigrations(): Promise<string[]>;
  /**
   * True when a trivial query succeeds within `timeoutMs`. On PostgreSQL it runs on a connection of
   * its own, so a busy pool does not make a reachable database look unreachable.
   */
  ping(timeoutMs?: number): Promise<boolean>;
  /**
   * Runs `work` for a caller: on PostgreSQL, reads it issues (through `em()` or the native pool) are
   * cancelled once `signal` aborts, and not sent at all if it aborted while they waited for a
   * connection. Writes run to the statement timeout. See `cancel-departed-statements.ts`.
   */
  forCaller<T>(signal: AbortSignal, work: () => T): T;
  /** The pool's connections and queue now; undefined for PGlite (one connection, no pool). */
  poolLoad(): PoolLoad | undefined;
  /** How many statements were cancelled or skipped because their caller had left. */
  statementStats(): StatementStats;
  /** Closes connections (and releases the embedded data folder). */
  close(): Promise<void>;
}

/** Opens PostgreSQL when `databaseUrl` is set, otherwise the embedded PGlite database. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const common = {
    entities: ENTITIES,
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
  };
  let orm: MikroORM;
  let lock: DataDirLock | undefined;
  let kind: Database["kind"];
  const scope = createCallerScope();
  let pool: PgPool | undefined;
  let statementStats = (): StatementStats => ({ cancelled: 0, skipped: 0 });
  let probe: ProbeConnection | undefined;
  if (options.databaseUrl !== undefined) {
    const { MikroORM } = await import("@mikro-orm/postgresql");
    const timeout = options.statementTimeoutMs;
    orm = await MikroORM.init({
      ...common,
      clientUrl: options.databaseUrl,
      pool: { min: 0, max: options.poolMax },
      // Merged into node-postgres's pool options; `onPoolCreated` is MikroORM's hook, not pg's.
      driverOptions: {
        application_name: "patchbay",
        ...(timeout !== undefined ? { statement_timeout: timeout } : {}),
        onPoolCreated: (created: PgPool) => {
          pool = created;
          statementStats = cancelDepartedStatements(created, scope);
        },
      },
    });
    probe = createProbeConnection(options.databaseUrl);
    kind = "postgresql";
  } else {
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    // PGlite is single-process: a second process opening the same folder would corrupt it.
    lock = await acquireDataDirLock(options.dataDir);
    try {
      const { MikroORM } = await import("@mikro-orm/pglite");
      orm = await MikroORM.init({ ...common, dbName: join(options.dataDir, "pgdata") });
    } catch (error) {
      await lock.release();
      throw error;
    }
    kind = "pglite";
  }
  const em = () => orm.em.fork() as unknown as EntityManager;
  return {
    kind,
    orm,
    em,
    async migrate() {
      if (kind !== "postgresql" || options.statementTimeoutMs === undefined) {
        return (await orm.migrator.up()).map((m) => m.name);
      }
      const connection = em().getConnection();
      const applied = await connection.transactional(async (trx) => {
        // A migration may rewrite a whole table: the API's statement timeout is not meant for it.
        await connection.execute("set local statement_timeout = 0", [], "run", trx);
        return orm.migrator.up({ transaction: trx });
      });
      return applied.map((m) => m.name);
    },
    async pendingMigrations() {
      return (await orm.migrator.getPending()).map((m) => m.name);
    },
    async ping(timeoutMs = 2000) {
      if (probe !== undefined) return probe.ping(timeoutMs);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        const query = em()
          .getConnection()
          .execute("select 1")
          .then(() => true as const);
        return await Promise.race([query, timeout]);
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    forCaller: (signal, work) => scope.run(signal, work),
    poolLoad: () =>
      pool === undefined
        ? undefined
        : { size: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
    statementStats: () => statementStats(),
    async close() {
      try {
        await probe?.close();
        await orm.close(true);
      } finally {
        await lock?.release();
      }
    },
  };
}
