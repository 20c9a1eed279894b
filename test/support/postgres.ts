import { randomBytes } from "node:crypto";
import pg from "pg";

/** The machine's PostgreSQL (trust auth); override with PATCHBAY_TEST_PG_URL. */
export const ADMIN_URL = process.env.PATCHBAY_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A database made for one test file. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Runs SQL as the server's superuser on the admin database (outage simulation, inspection). */
  admin(sql: string): Promise<pg.QueryResult>;
  /** Drops the database (terminating its connections first). */
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates a fresh, empty database with a random name. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `patchbay_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    admin: adminQuery,
    async drop() {
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}
