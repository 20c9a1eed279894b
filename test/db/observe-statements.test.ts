import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyEntity } from "../../src/auth/api-key-entity.ts";
import { createNativeQuery, type Database, openDatabase, type StatementInfo } from "../../src/db/index.ts";
import { describeStatement } from "../../src/db/observe-statements.ts";
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
    expect(describeStatement("with t as (select 1) delete from jobs using t")).toEqual({
      operation: "WITH",
      collection: "jobs",
    });
    expect(describeStatement("")).toEqual({ operation: "QUERY", collection: undefined });
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
