import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNativeQuery, type Database, isUniqueViolation, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

/** The error a statement failed with (fails the test if it succeeded). */
async function failureOf(statement: () => Promise<unknown>): Promise<unknown> {
  try {
    await statement();
  } catch (error) {
    return error;
  }
  throw new Error("expected the statement to fail");
}

describe("isUniqueViolation on PostgreSQL's own errors", () => {
  let pgdb: TestDatabase;
  let dataDir: string;
  let db: Database;
  const duplicate = "insert into pairs (id, name) values (2, 'taken')";

  beforeAll(async () => {
    pgdb = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-unique-"));
    db = await openDatabase({
      databaseUrl: pgdb.url,
      entities: ENTITIES,
      dataDir,
      poolMax: 2,
      logger: createLogger({ level: "silent", format: "json" }),
    });
    const connection = db.em().getConnection();
    await connection.execute("create table pairs (id int primary key, name text not null)");
    await connection.execute("create unique index pairs_name_idx on pairs (name)");
    await connection.execute("insert into pairs (id, name) values (1, 'taken')");
  });
  afterAll(async () => {
    await db?.close();
    await pgdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("recognises the ORM's UniqueConstraintViolationException, by constraint name too", async () => {
    const error = await failureOf(() => db.em().execute(duplicate));
    expect(error).toBeInstanceOf(UniqueConstraintViolationException);
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation(error, "pairs_name_idx")).toBe(true);
    expect(isUniqueViolation(error, "pairs_pkey")).toBe(false);
  });

  it("recognises pg's DatabaseError from statements that bypass the ORM's converter", async () => {
    const native = createNativeQuery(() => db.em());
    for (const statement of [() => native(duplicate), () => db.em().getConnection().execute(duplicate)]) {
      const error = await failureOf(statement);
      expect(error).toBeInstanceOf(pg.DatabaseError);
      expect(isUniqueViolation(error, "pairs_name_idx")).toBe(true);
      expect(isUniqueViolation(error, "another_idx")).toBe(false);
    }
  });

  it("answers false for other constraint errors and for messages that merely mention uniqueness", async () => {
    const notNull = await failureOf(() => db.em().execute("insert into pairs (id, name) values (3, null)"));
    expect(isUniqueViolation(notNull)).toBe(false);
    const primaryKey = await failureOf(() =>
      db.em().execute("insert into pairs (id, name) values (1, 'new')"),
    );
    expect(isUniqueViolation(primaryKey, "pairs_pkey")).toBe(true);
    expect(isUniqueViolation(new Error("duplicate key value violates unique constraint"))).toBe(false);
    expect(isUniqueViolation({ code: "23505" })).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });
});
