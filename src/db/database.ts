import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { MikroORM } from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "../logging/logger.ts";
import { acquireDataDirLock, type DataDirLock } from "./data-dir-lock.ts";
import { ENTITIES } from "./entities.ts";
import { MIGRATIONS } from "./migrations/index.ts";

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
  /** True when a trivial query succeeds within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<boolean>;
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
  if (options.databaseUrl !== undefined) {
    const { MikroORM } = await import("@mikro-orm/postgresql");
    orm = await MikroORM.init({
      ...common,
      clientUrl: options.databaseUrl,
      pool: { min: 0, max: options.poolMax },
    });
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
      const applied = await orm.migrator.up();
      return applied.map((m) => m.name);
    },
    async pendingMigrations() {
      return (await orm.migrator.getPending()).map((m) => m.name);
    },
    async ping(timeoutMs = 2000) {
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
    async close() {
      try {
        await orm.close(true);
      } finally {
        await lock?.release();
      }
    },
  };
}
