import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { LogCapture } from "../support/log-capture.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

// PostgreSQL's errors quote the data they refused: a unique violation's `detail` holds the key's value, a
// NOT NULL violation's the whole row, a bad character in JSON the text around it (`where`). Logged as they
// come from the driver, or wrapped by the ORM, none of that may reach a log line; the code, the message
// and the constraint (what an operator needs) stay.

const PERSONAL = "Jane Roe +1-555-0100";

describe("a logged database error keeps its code and drops the data PostgreSQL quotes", () => {
  let pgdb: TestDatabase;
  let client: pg.Client;
  let db: Database;
  let dataDir: string;

  beforeAll(async () => {
    pgdb = await createTestDatabase();
    client = new pg.Client({ connectionString: pgdb.url });
    await client.connect();
    await client.query(
      "create table people (name text primary key, phone text not null, doc jsonb, constraint people_name_short check (length(name) < 100))",
    );
    await client.query("insert into people values ($1, 'x', null)", [PERSONAL]);
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-log-db-"));
    db = await openDatabase({
      databaseUrl: pgdb.url,
      dataDir,
      poolMax: 1,
      logger: createLogger({ level: "silent", format: "json" }),
      entities: ENTITIES,
    });
  });
  afterAll(async () => {
    await db?.close();
    await client?.end();
    await pgdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The one line `err` is logged as, and the error itself. */
  async function logged(
    failing: Promise<unknown>,
  ): Promise<{ line: Record<string, unknown>; error: unknown }> {
    const error = await failing.then(
      () => expect.unreachable("the statement succeeded"),
      (e: unknown) => e,
    );
    const capture = new LogCapture();
    createLogger({ level: "info", format: "json", destination: capture.stream }).error(
      { err: error },
      "statement failed",
    );
    const [line] = capture.lines();
    return { line: line as Record<string, unknown>, error };
  }

  const cases: [string, (values: unknown[]) => Promise<unknown>][] = [
    ["the driver's", (values) => client.query("insert into people values ($1, $2, $3::text::jsonb)", values)],
    [
      "the ORM's",
      (values) => db.em().getConnection().execute("insert into people values (?, ?, ?::text::jsonb)", values),
    ],
  ];

  it.each(cases)("%s unique violation: code and constraint, not the key's value", async (_, insert) => {
    const { line, error } = await logged(insert([PERSONAL, "x", null]));
    expect(JSON.stringify(error)).toContain(PERSONAL); // what there was to drop
    expect(JSON.stringify(line)).not.toContain(PERSONAL);
    expect(JSON.stringify(line)).toContain("23505");
    expect(JSON.stringify(line)).toContain("people_pkey");
  });

  it.each(cases)("%s NOT NULL violation: not the failing row", async (_, insert) => {
    const { line } = await logged(insert(["someone else", null, JSON.stringify({ note: PERSONAL })]));
    expect(JSON.stringify(line)).not.toContain("Jane Roe");
    expect(JSON.stringify(line)).toContain("23502");
  });

  it.each(cases)("%s refused JSON: not the text around the bad character", async (_, insert) => {
    const { line } = await logged(insert(["a third", "x", `{"note": "${PERSONAL} \\u0000"}`]));
    expect(JSON.stringify(line)).not.toContain("Jane Roe");
    expect(JSON.stringify(line)).toContain("22P05");
  });

  it("leaves out a field PostgreSQL gave no value (no `[redacted]` where there was nothing)", async () => {
    // A unique violation has a detail and no `where`; the driver's error holds both fields.
    const { line, error } = await logged(
      client.query("insert into people values ($1, $2, null)", [PERSONAL, "x"]),
    );
    expect(Object.hasOwn(error as object, "where")).toBe(true);
    expect((error as { where?: unknown }).where).toBeUndefined();
    const err = line.err as Record<string, unknown>;
    expect(err.detail).toBe("[redacted]");
    expect(Object.hasOwn(err, "where")).toBe(false);
  });
});
