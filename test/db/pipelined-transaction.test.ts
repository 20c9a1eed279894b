import { mkdtemp, rm } from "node:fs/promises";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createPipelinedTransaction,
  type Database,
  openDatabase,
  type PipelinedTransaction,
} from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { LogCapture } from "../support/log-capture.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

/** A database (PostgreSQL or embedded) with a table, and pipelined transactions on it. */
function useDatabase() {
  let db: Database;
  let pg: TestDatabase | undefined;
  let dataDir: string;
  let events: ReturnType<typeof createPipelinedTransaction>;
  const logs = new LogCapture();
  const logger = createLogger({ level: "info", format: "json", destination: logs.stream });
  const sql = (query: string) =>
    db.em().getConnection().execute(query, [], "all") as Promise<Record<string, unknown>[]>;
  const ids = async () => (await sql("select id from pipe_t order by id")).map((row) => Number(row.id));

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-pipe-"));
    pg = await createTestDatabase();
    db = await openDatabase({ databaseUrl: pg?.url, dataDir, poolMax: 4, logger, entities: ENTITIES });
    await sql("create table pipe_t (id int primary key, note text)");
    events = createPipelinedTransaction({ db, connections: 1, logger });
  });
  afterAll(async () => {
    await events?.close();
    await db?.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await sql("delete from pipe_t");
  });
  return {
    db: () => db,
    pg: () => pg,
    events: () => events,
    logs,
    logger,
    ids,
    sql,
  };
}

describe("createPipelinedTransaction", () => {
  const { db, events: pipe, logger, ids, sql } = useDatabase();
  const events = { transaction: ((work) => pipe().transaction(work)) as PipelinedTransaction };

  it("commits what the work sent, with COMMIT sent behind the last statements", async () => {
    const result = await events.transaction(async (tx) => {
      const { rows } = await tx.query("insert into pipe_t (id) values ($1), ($2) returning id", [1, 2]);
      await Promise.all([
        tx.query("insert into pipe_t (id) values ($1)", [3]),
        tx.query("update pipe_t set note = $1 where id = $2", ["x", 1]),
        tx.commit(),
      ]);
      return rows.length;
    });
    expect(result).toBe(2);
    expect(await ids()).toEqual([1, 2, 3]);
    expect((await sql("select note from pipe_t where id = 1"))[0]?.note).toBe("x");
  });

  it("commits when the work returns without calling commit()", async () => {
    await events.transaction(async (tx) => {
      await tx.query("insert into pipe_t (id) values ($1)", [7]);
    });
    expect(await ids()).toEqual([7]);
  });

  it("rolls everything back when the work throws, and the next transaction still runs", async () => {
    await expect(
      events.transaction(async (tx) => {
        await tx.query("insert into pipe_t (id) values ($1)", [1]);
        throw new Error("work failed");
      }),
    ).rejects.toThrow("work failed");
    expect(await ids()).toEqual([]);
    await events.transaction(async (tx) => {
      await tx.query("insert into pipe_t (id) values ($1)", [2]);
    });
    expect(await ids()).toEqual([2]);
  });

  it("commits nothing when a statement fails with COMMIT already sent behind it", async () => {
    await sql("insert into pipe_t (id) values (5)");
    await expect(
      events.transaction(async (tx) => {
        await tx.query("insert into pipe_t (id) values ($1)", [1]);
        // The duplicate key fails; COMMIT, already on its way, answers ROLLBACK.
        await Promise.all([tx.query("insert into pipe_t (id) values ($1)", [5]), tx.commit()]);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await ids()).toEqual([5]);
    await events.transaction(async (tx) => {
      await Promise.all([tx.query("insert into pipe_t (id) values ($1)", [6]), tx.commit()]);
    });
    expect(await ids()).toEqual([5, 6]);
  });

  it("rejects commit() itself when the transaction was aborted and the work ignored the failure", async () => {
    await sql("insert into pipe_t (id) values (5)");
    await expect(
      events.transaction(async (tx) => {
        await tx.query("insert into pipe_t (id) values ($1)", [1]);
        await tx.query("insert into pipe_t (id) values ($1)", [5]).catch(() => undefined);
        await tx.commit();
      }),
    ).rejects.toThrow(/rolled back/);
    expect(await ids()).toEqual([5]);
  });

  it("refuses transactions once closed", async () => {
    const other = createPipelinedTransaction({ db: db(), connections: 1, logger });
    await other.transaction(async (tx) => {
      await tx.query("insert into pipe_t (id) values ($1)", [1]);
    });
    await other.close();
    await expect(other.transaction(async () => undefined)).rejects.toThrow(/closed/);
    expect(await ids()).toEqual([1]);
  });
});

describe("createPipelinedTransaction's own connections", () => {
  const { db, pg, events: pipe, logs, logger, ids } = useDatabase();
  const events = { transaction: ((work) => pipe().transaction(work)) as PipelinedTransaction };

  it("runs on a connection of its own whose statements are prepared once and planned generically", async () => {
    const seen = await events.transaction(async (tx) => {
      for (let i = 0; i < 3; i++) await tx.query("insert into pipe_t (id) values ($1)", [10 + i]);
      const { rows } = await tx.query(
        "select current_setting('application_name') as app, current_setting('plan_cache_mode') as mode, (select count(*)::int from pg_prepared_statements where statement = 'insert into pipe_t (id) values ($1)') as prepared",
      );
      return rows[0] as { app: string; mode: string; prepared: number };
    });
    expect(seen).toMatchObject({ app: "patchbay-events", mode: "force_generic_plan", prepared: 1 });
  });

  it("sends what one turn of the event loop sends in one write: BEGIN with the first statements, COMMIT with the last", async () => {
    // The connection exists before the count starts.
    await events.transaction(async () => undefined);
    const socket = Socket.prototype as unknown as Record<
      "_write" | "_writev",
      (...args: unknown[]) => unknown
    >;
    const { _write: write, _writev: writev } = socket;
    let writes = 0;
    socket._write = function (this: unknown, ...args: unknown[]) {
      writes++;
      return write.apply(this, args);
    };
    socket._writev = function (this: unknown, ...args: unknown[]) {
      writes++;
      return writev.apply(this, args);
    };
    try {
      await events.transaction(async (tx) => {
        await Promise.all([1, 2, 3].map((id) => tx.query("insert into pipe_t (id) values ($1)", [id])));
        await Promise.all([tx.query("insert into pipe_t (id) values ($1)", [4]), tx.commit()]);
      });
    } finally {
      socket._write = write;
      socket._writev = writev;
    }
    // Written one by one, that is six writes (BEGIN, four statements, COMMIT).
    expect(writes).toBe(2);
    expect(await ids()).toEqual([1, 2, 3, 4]);
  });

  it("runs more transactions at once than it has connections: the others wait their turn", async () => {
    // One connection (useDatabase); four transactions at once, each holding it across a round trip.
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4].map((id) =>
        events.transaction(async (tx) => {
          await tx.query("insert into pipe_t (id) values ($1)", [id]);
          await tx.query("select pg_sleep(0.01)");
          order.push(id);
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3, 4]);
    expect(await ids()).toEqual([1, 2, 3, 4]);
  });

  it("reports its load: the connection in a transaction in use, held between transactions idle, and the transactions waiting their turn", async () => {
    // Its connection is checked out of its pool for good: the pool alone would count it in use, and
    // would never count the transactions waiting at the turnstile.
    const other = createPipelinedTransaction({ db: db(), connections: 1, logger });
    try {
      expect(other.load()).toEqual({ size: 0, idle: 0, waiting: 0 });
      const { promise: held, resolve: release } = Promise.withResolvers<void>();
      const first = other.transaction(async (tx) => {
        await tx.query("insert into pipe_t (id) values ($1)", [1]);
        await held;
      });
      await expect.poll(() => other.load(), { timeout: 30_000 }).toEqual({ size: 1, idle: 0, waiting: 0 });
      const next = [2, 3].map((id) =>
        other.transaction(async (tx) => {
          await tx.query("insert into pipe_t (id) values ($1)", [id]);
        }),
      );
      expect(other.load()).toEqual({ size: 1, idle: 0, waiting: 2 });
      release();
      await Promise.all([first, ...next]);
      expect(other.load()).toEqual({ size: 1, idle: 1, waiting: 0 });
      expect(await ids()).toEqual([1, 2, 3]);
    } finally {
      await other.close();
    }
  });

  it("survives its connection being terminated between transactions: logged, replaced, no crash", async () => {
    await events.transaction(async (tx) => {
      await tx.query("insert into pipe_t (id) values ($1)", [1]);
    });
    const killed = await pg()?.admin(
      `select pg_terminate_backend(pid) as done from pg_stat_activity where datname = '${pg()?.name}' and application_name = 'patchbay-events'`,
    );
    expect(killed?.rows.length).toBe(1);
    await expect.poll(() => logs.text().includes("event database connection lost")).toBe(true);
    await events.transaction(async (tx) => {
      await tx.query("insert into pipe_t (id) values ($1)", [2]);
    });
    expect(await ids()).toEqual([1, 2]);
    expect(logs.text()).not.toContain("pipe_t");
  });
});

// The database's statement observer (the tracer's statement spans) sees the pipelined pool's statements
// as it sees the ORM pool's: each one once, BEGIN and COMMIT included, each ended once with its error.
describe("statements of pipelined transactions, observed", () => {
  let pgdb: TestDatabase;
  let dataDir: string;
  let db: Database;
  let events: ReturnType<typeof createPipelinedTransaction>;
  const seen: { name: string; ends: number; code: unknown }[] = [];
  const logger = createLogger({ level: "silent", format: "json" });

  beforeAll(async () => {
    pgdb = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-pipe-observed-"));
    db = await openDatabase({
      databaseUrl: pgdb.url,
      dataDir,
      poolMax: 2,
      logger,
      entities: ENTITIES,
      observeStatement: ({ operation, collection }) => {
        const entry = {
          name: `${operation} ${collection ?? ""}`.trim(),
          ends: 0,
          code: undefined as unknown,
        };
        seen.push(entry);
        return (error) => {
          entry.ends++;
          entry.code = (error as { code?: unknown } | undefined)?.code;
        };
      },
    });
    await db.em().getConnection().execute("create table pipe_o (id int primary key)");
    events = createPipelinedTransaction({ db, connections: 1, logger });
  });
  afterAll(async () => {
    await events?.close();
    await db?.close();
    await pgdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("tells the observer of each statement once, and of its end once", async () => {
    seen.length = 0;
    await events.transaction(async (tx) => {
      await Promise.all([1, 2].map((id) => tx.query("insert into pipe_o (id) values ($1)", [id])));
      await Promise.all([tx.query("select id from pipe_o where id = $1", [1]), tx.commit()]);
    });
    expect(seen).toEqual([
      { name: "BEGIN", ends: 1, code: undefined },
      { name: "INSERT pipe_o", ends: 1, code: undefined },
      { name: "INSERT pipe_o", ends: 1, code: undefined },
      { name: "SELECT pipe_o", ends: 1, code: undefined },
      { name: "COMMIT", ends: 1, code: undefined },
    ]);
  });

  it("ends a failed statement with PostgreSQL's code, and sees the ROLLBACK", async () => {
    seen.length = 0;
    await expect(
      events.transaction(async (tx) => {
        await tx.query("insert into pipe_o (id) values ($1)", [1]);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(seen).toEqual([
      { name: "BEGIN", ends: 1, code: undefined },
      { name: "INSERT pipe_o", ends: 1, code: "23505" },
      { name: "ROLLBACK", ends: 1, code: undefined },
    ]);
  });

  it("ends a COMMIT that PostgreSQL answered with ROLLBACK as failed (25P02)", async () => {
    seen.length = 0;
    await expect(
      events.transaction(async (tx) => {
        // The second insert fails (duplicate key); COMMIT, already on its way, rolls the transaction back.
        await Promise.all([
          tx.query("insert into pipe_o (id) values ($1)", [7]),
          tx.query("insert into pipe_o (id) values ($1)", [7]),
          tx.commit(),
        ]);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(seen).toEqual([
      { name: "BEGIN", ends: 1, code: undefined },
      { name: "INSERT pipe_o", ends: 1, code: undefined },
      { name: "INSERT pipe_o", ends: 1, code: "23505" },
      { name: "COMMIT", ends: 1, code: "25P02" },
      { name: "ROLLBACK", ends: 1, code: undefined },
    ]);
  });
});
