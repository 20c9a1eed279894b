import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EntityManager } from "@mikro-orm/sql";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";

/** A migrated database on the machine's PostgreSQL whose pool counts the statements it sends. */
export interface CountedDatabase {
  readonly db: Database;
  /** Statements sent so far, by operation and table (`SELECT connectors`), since the last reset. */
  count(operation: string, table: string): number;
  reset(): void;
  close(): Promise<void>;
}

/** Opens a fresh database; the counts come from the pool's statement hook, so they are what PostgreSQL got. */
export async function openCountedDatabase(): Promise<CountedDatabase> {
  const pgdb: TestDatabase = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), "patchbay-counted-"));
  const counts = new Map<string, number>();
  const db = await openDatabase({
    databaseUrl: pgdb.url,
    dataDir,
    poolMax: 4,
    logger: createLogger({ level: "silent", format: "json" }),
    entities: ENTITIES,
    observeStatement: ({ operation, collection }) => {
      const name = `${operation} ${collection ?? ""}`;
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return undefined;
    },
  });
  await db.migrate();
  counts.clear();
  return {
    db,
    count: (operation, table) => counts.get(`${operation} ${table}`) ?? 0,
    reset: () => counts.clear(),
    async close() {
      await db.close();
      await pgdb.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Entity managers whose reads (`find`, `findOne`) can be held after the row was read and before it is
 * returned, or made to fail before reaching the database: a lookup in flight across a revocation or a
 * write, or a database that stopped answering.
 */
export interface GatedReads {
  em(): EntityManager;
  /** Holds the next read that starts, once it has read its row, until `release`. */
  holdNext(): void;
  release(): void;
  /** Reads that have read their row and are being held. */
  readonly held: number;
  /** Reads started and not yet returned. */
  readonly running: number;
  /** While true, every read fails as an unreachable database would. */
  failing: boolean;
}

export function gatedReads(real: () => EntityManager): GatedReads {
  let gate: Promise<void> | undefined;
  let open = () => {};
  let holdNext = false;
  let held = 0;
  let running = 0;
  const state = {
    failing: false,
    get held() {
      return held;
    },
    get running() {
      return running;
    },
    holdNext() {
      holdNext = true;
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release() {
      holdNext = false;
      open();
    },
    em(): EntityManager {
      const target = real();
      return new Proxy(target, {
        get(object, property, receiver) {
          if (property === "find" || property === "findOne") {
            return async (...args: unknown[]) => {
              if (state.failing) throw new Error("connection refused");
              const waitFor = holdNext ? gate : undefined;
              holdNext = false;
              running++;
              try {
                const read = (object[property] as (...a: unknown[]) => Promise<unknown>).apply(object, args);
                const row = await read;
                if (waitFor !== undefined) {
                  held++;
                  await waitFor;
                  held--;
                }
                return row;
              } finally {
                running--;
              }
            };
          }
          const value: unknown = Reflect.get(object, property, receiver);
          return typeof value === "function" ? value.bind(object) : value;
        },
      });
    },
  };
  return state;
}
