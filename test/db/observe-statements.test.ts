import { AsyncLocalStorage } from "node:async_hooks";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyEntity } from "../../src/auth/api-key-entity.ts";
import { createNativeQuery, type Database, openDatabase, type StatementInfo } from "../../src/db/index.ts";
import { describeStatement, observeStatements } from "../../src/db/observe-statements.ts";
import type { PgPoolEvents } from "../../src/db/pg-client.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

describe("describeStatement", () => {
  it("reads the operation and the first table, never values", () => {
    expect(describeStatement('select "a0".* from "api_keys" as "a0" where "a0"."id" = $1')).toEqual({
      operation: "SELECT",
      collection: "api_keys",
    });
    expect(describeStatement('insert into "executions" ("id") values ($1)')).toEqual({
      operation: "INSERT",
      collection: "executions",
    });
    expect(describeStatement('update "public"."connections" set "x" = $1')).toEqual({
      operation: "UPDATE",
      collection: "connections",
    });
    expect(describeStatement("  begin")).toEqual({ operation: "BEGIN", collection: undefined });
    expect(describeStatement("")).toEqual({ operation: "QUERY", collection: undefined });
  });

  // A WITH clause only names the statement's parts: the statement is the write it leads to (the first,
  // in a CTE or after them), or a read when it writes nothing.
  it("names a statement with a WITH clause after what it writes", () => {
    expect(describeStatement("with t as (select 1) delete from jobs using t")).toEqual({
      operation: "DELETE",
      collection: "jobs",
    });
    // pg-boss's job insert (a notifying queue's) and its fetch, which locks the rows it then updates.
    expect(
      describeStatement(
        "WITH ins AS ( INSERT INTO pgboss.job_common ( id, name ) SELECT id, name FROM json_to_recordset($1::text::json) " +
          "ON CONFLICT DO NOTHING RETURNING id ), notified AS ( SELECT pg_notify('c', 'q') FROM ins ) SELECT id FROM ins",
      ),
    ).toEqual({ operation: "INSERT", collection: "job_common" });
    expect(
      describeStatement(
        "WITH next AS ( SELECT j.id FROM pgboss.job_common j WHERE j.name = 'q' ORDER BY j.created_on LIMIT 1 " +
          "FOR UPDATE OF j SKIP LOCKED ) UPDATE pgboss.job_common j SET state = 'active' FROM next WHERE j.id = next.id",
      ),
    ).toEqual({ operation: "UPDATE", collection: "job_common" });
    expect(
      describeStatement(
        'with due as (select name from "pgboss"."queue" for no key update skip locked) update pgboss.queue set x = 1',
      ),
    ).toEqual({ operation: "UPDATE", collection: "queue" });
    expect(
      describeStatement(
        "WITH results AS ( UPDATE pgboss.job SET state = 'retry' RETURNING 1 ) SELECT COUNT(*) FROM results",
      ),
    ).toEqual({ operation: "UPDATE", collection: "job" });
    expect(describeStatement("with recursive t as (select id from nodes) select * from t")).toEqual({
      operation: "SELECT",
      collection: "nodes",
    });
  });
});

// The observer on a real pool: every statement of the ORM and of the native client is seen with its
// operation, table, database and server, and its end with the error PostgreSQL answered.
describe("statements observed on the pool (PostgreSQL)", () => {
  let pgdb: TestDatabase;
  let dataDir: string;
  let db: Database;
  const seen: { statement: StatementInfo; error?: unknown; ended: boolean }[] = [];

  beforeAll(async () => {
    pgdb = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-observe-"));
    db = await openDatabase({
      databaseUrl: pgdb.url,
      dataDir,
      poolMax: 2,
      logger: createLogger({ level: "silent", format: "json" }),
      entities: ENTITIES,
      observeStatement: (statement) => {
        const entry: (typeof seen)[number] = { statement, ended: false };
        seen.push(entry);
        return (error) => {
          entry.ended = true;
          entry.error = error;
        };
      },
    });
    await db.migrate();
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await pgdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("sees an ORM read with its table and the server it went to", async () => {
    seen.length = 0;
    await db.em().findOne(ApiKeyEntity, { id: "00000000-0000-4000-8000-000000000000" });
    const read = seen.find(
      (s) => s.statement.operation === "SELECT" && s.statement.collection === "api_keys",
    );
    expect(read?.ended).toBe(true);
    expect(read?.error).toBeUndefined();
    expect(read?.statement.database).toBe(pgdb.name);
    expect(read?.statement.host).toBe(new URL(pgdb.url).hostname);
    expect(read?.statement.port).toBe(Number(new URL(pgdb.url).port || 5432));
  });

  it("ends a failed statement with PostgreSQL's error", async () => {
    seen.length = 0;
    const query = createNativeQuery(() => db.em());
    await expect(query("select 1 / $1::int as x", [0])).rejects.toThrow();
    const failed = seen.find((s) => s.statement.operation === "SELECT");
    expect(failed?.ended).toBe(true);
    expect((failed?.error as { code?: string } | undefined)?.code).toBe("22012");
  });
});

// A pool opened beside the ORM's (`observePool`) is observed as the ORM's is, pg-pool's own `pool.query`
// included (pg-boss sends its statements so), each in the async context of the code that sent it: the
// tracer reads the caller's span from there.
describe("statements observed on a pool opened beside the ORM's (PostgreSQL)", () => {
  let pgdb: TestDatabase;
  let dataDir: string;
  let db: Database;
  let pool: pg.Pool;
  /** Stands for the tracer's active context: the observer notes the one each statement is seen in. */
  const caller = new AsyncLocalStorage<string>();
  const seen: { statement: StatementInfo; error?: unknown; ended: boolean; caller?: string | undefined }[] =
    [];

  beforeAll(async () => {
    pgdb = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-observe-"));
    db = await openDatabase({
      databaseUrl: pgdb.url,
      dataDir,
      poolMax: 1,
      logger: createLogger({ level: "silent", format: "json" }),
      entities: ENTITIES,
      observeStatement: (statement) => {
        const entry: (typeof seen)[number] = { statement, ended: false, caller: caller.getStore() };
        seen.push(entry);
        return (error) => {
          entry.ended = true;
          entry.error = error;
        };
      },
    });
    // One connection: a second statement waits for the first to give it back.
    pool = new pg.Pool({ connectionString: pgdb.url, max: 1 });
    db.observePool(pool);
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await db?.close();
    await pgdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("sees pg-pool's own queries (callback-style on the connection) and how they ended", async () => {
    seen.length = 0;
    await pool.query("select 1 as x from pg_class limit 1");
    await expect(pool.query("select 1 / $1::int as x", [0])).rejects.toThrow();
    expect(seen.map((s) => [s.statement.operation, s.statement.collection, s.ended])).toEqual([
      ["SELECT", "pg_class", true],
      ["SELECT", undefined, true],
    ]);
    // A success ends with no error (node-postgres's callbacks pass null), a failure with PostgreSQL's.
    expect(seen[0]?.error).toBeUndefined();
    expect((seen[1]?.error as { code?: string } | undefined)?.code).toBe("22012");
  });

  it("answers every statement as PostgreSQL did when the observer throws, beginning or ending", async () => {
    const throwing = new pg.Pool({ connectionString: pgdb.url, max: 1 });
    observeStatements(throwing as unknown as PgPoolEvents, (statement) => {
      if (statement.collection === "pg_class") throw new Error("observer failed to begin");
      return () => {
        throw new Error("observer failed to end");
      };
    });
    try {
      // pg-pool's own query (a callback on the connection), then a client's promise, success and failure.
      expect((await throwing.query("select 1 as x from pg_class limit 1")).rows).toEqual([{ x: 1 }]);
      expect((await throwing.query("select 2 as x")).rows).toEqual([{ x: 2 }]);
      const client = await throwing.connect();
      try {
        expect((await client.query("select 3 as x")).rows).toEqual([{ x: 3 }]);
        await expect(client.query("select 1 / $1::int as x", [0])).rejects.toMatchObject({ code: "22012" });
      } finally {
        client.release();
      }
    } finally {
      await throwing.end();
    }
  });

  it("sees a query that waited for a connection in its caller's context, not in the one that freed it", async () => {
    seen.length = 0;
    const held = await caller.run("holder", () => pool.connect());
    const waiting = caller.run("caller", () => pool.query("select 2 as waited"));
    // Freed from another context: pg-pool hands the connection to the waiting query right there.
    caller.run("freer", () => held.release());
    await waiting;
    expect(seen.map((s) => [s.statement.operation, s.caller])).toEqual([["SELECT", "caller"]]);
  });
});
