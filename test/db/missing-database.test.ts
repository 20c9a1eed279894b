import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { ADMIN_URL } from "../support/postgres.ts";

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return (await client.query("select 1 from pg_database where datname = $1", [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe("a DATABASE_URL naming a database that does not exist", () => {
  it("fails to migrate with PostgreSQL's own words, and creates nothing", async () => {
    const name = `patchbay_missing_${randomBytes(6).toString("hex")}`;
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    const db = await openDatabase({
      databaseUrl: url.toString(),
      dataDir: "/nonexistent",
      poolMax: 1,
      logger: createLogger({ level: "silent", format: "json" }),
      entities: ENTITIES,
    });
    try {
      await expect(db.migrate()).rejects.toThrow(`database "${name}" does not exist`);
      await expect(db.pendingMigrations()).rejects.toThrow(/does not exist/);
      expect(await databaseExists(name)).toBe(false);
    } finally {
      await db.close();
    }
  });
});
