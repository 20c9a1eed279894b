import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CallerGoneError, createNativeQuery, type Database, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

/** What the error of a failed promise was (fails the test if it resolved). */
async function failureOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected the promise to reject");
}

describe("database work follows its caller (PostgreSQL)", () => {
  let pgdb: TestDatabase;
  let dataDir: string;
  let db: Database;
  // Holds an ACCESS EXCLUSIVE lock on `blocker`, so statements on it wait (visibly) for as long as a test needs.
  let holder: pg.Client;

  const open = (options: { poolMax?: number; statementTimeoutMs?: number } = {}) =>
    openDatabase({
      databaseUrl: pgdb.url,
      dataDir,
      poolMax: options.poolMax ?? 2,
      logger: createLogger({ level: "silent", format: "json" }),
      statementTimeoutMs: options.statementTimeoutMs,
      entities: ENTITIES,
    });

  /** Statements of the pool that are on `blocker` right now (waiting on the lock or running). */
  const onBlocker = async (): Promise<string[]> => {
    const { rows } = await pgdb.admin(
      `select query from pg_stat_activity where datname = '${pgdb.name}' and application_name = 'patchbay' and state = 'active' and query like '%blocker%'`,
    );
    return rows.map((r: { query: string }) => r.query);
  };

  beforeAll(async () => {
    pgdb = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-caller-"));
    db = await open();
    await db.migrate();
    await db.em().getConnection().execute("create table blocker (id int)");
    holder = new pg.Client({ connectionString: pgdb.url });
    await holder.connect();
  });
  afterEach(async () => {
    await holder.query("rollback");
    await expect.poll(onBlocker).toEqual([]);
  });
  afterAll(async () => {
    await holder?.end();
    await db?.close();
    await pgdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const lockBlocker = async () => {
    await holder.query("begin");
    await holder.query("lock table blocker in access exclusive mode");
  };

  it("cancels an ORM read in PostgreSQL when its caller leaves, while the lock it waits for is still held", async () => {
    await lockBlocker();
    const caller = new AbortController();
    const read = db.forCaller(caller.signal, () => db.em().getConnection().execute("select * from blocker"));
    await expect.poll(onBlocker).toHaveLength(1);
    caller.abort();
    const error = await failureOf(read);
    expect(error.code).toBe("57014");
    expect(await onBlocker()).toEqual([]);
    expect(db.statementStats().cancelled).toBeGreaterThanOrEqual(1);
  });

  it("cancels a native read the same way", async () => {
    await lockBlocker();
    const query = createNativeQuery(() => db.em());
    const caller = new AbortController();
    const read = db.forCaller(caller.signal, () => query("select count(*) from blocker"));
    await expect.poll(onBlocker).toHaveLength(1);
    caller.abort();
    expect((await failureOf(read)).code).toBe("57014");
    expect(await onBlocker()).toEqual([]);
  });

  it("does not send a read whose caller left while it waited for a pooled connection", async () => {
    const single = await open({ poolMax: 1 });
    try {
      await lockBlocker();
      const first = new AbortController();
      const blocked = single.forCaller(first.signal, () =>
        single.em().getConnection().execute("select * from blocker"),
      );
      await expect.poll(onBlocker).toHaveLength(1);
      const second = new AbortController();
      const queued = single.forCaller(second.signal, () =>
        single.em().getConnection().execute("select 42 as blocker"),
      );
      // Its refusal is awaited from now on: it may come while the rollback or the first read is awaited,
      // and an unobserved rejection in that window would fail the run.
      const refused = failureOf(queued);
      await expect.poll(() => single.poolLoad()?.waiting).toBe(1);
      second.abort();
      await holder.query("rollback");
      await blocked;
      const error = await refused;
      expect(error.message).toContain(new CallerGoneError().message);
      expect(single.statementStats()).toEqual({ cancelled: 0, skipped: 1 });
    } finally {
      await single.close();
    }
  });

  it("lets a write finish although its caller left (it may be work shared with other callers)", async () => {
    await lockBlocker();
    const caller = new AbortController();
    const write = db.forCaller(caller.signal, () =>
      db.em().getConnection().execute("insert into blocker (id) values (7)", [], "run"),
    );
    await expect.poll(onBlocker).toHaveLength(1);
    caller.abort();
    await holder.query("rollback");
    await write;
    const rows = await db.em().getConnection().execute("select id from blocker where id = 7");
    expect(rows).toEqual([{ id: 7 }]);
  });

  it("bounds every pooled statement with the statement timeout", async () => {
    const bounded = await open({ statementTimeoutMs: 200 });
    try {
      await lockBlocker();
      // Still held: only the server's statement timeout can end this wait.
      const error = await failureOf(bounded.em().getConnection().execute("select * from blocker"));
      expect(error.code).toBe("57014");
      expect(error.message).toContain("statement timeout");
      expect(await bounded.em().getConnection().execute("show statement_timeout")).toEqual([
        { statement_timeout: "200ms" },
      ]);
    } finally {
      await bounded.close();
    }
  });

  it("answers readiness pings while every pooled connection is busy", async () => {
    await lockBlocker();
    const busy = [1, 2, 3].map(() => db.em().getConnection().execute("select * from blocker"));
    await expect.poll(onBlocker).toHaveLength(2);
    expect(db.poolLoad()).toMatchObject({ size: 2, idle: 0, waiting: 1 });
    expect(await db.ping(3000)).toBe(true);
    await holder.query("rollback");
    await Promise.all(busy);
  });
});
