import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEALED_COLUMNS } from "../../src/cli/sealed-columns.ts";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";

// A sealed column missing from the registry would survive `keys rotate-master` under the old key, and
// dropping that key afterwards would lose its values. Every `sealed_*` column of the schema must be listed.
describe("the sealed-column registry", () => {
  let dir: string;
  let db: Database;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "patchbay-sealed-"));
    db = await openDatabase({
      databaseUrl: undefined,
      dataDir: dir,
      poolMax: 1,
      logger: createLogger({ level: "silent", format: "json" }),
      entities: ENTITIES,
    });
    await db.migrate();
  });
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists every sealed_* column of the migrated schema", async () => {
    const rows = await db
      .em()
      .getConnection()
      .execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'public' and column_name like 'sealed\\_%'",
      );
    const inSchema = rows
      .map((r) => `${(r as { table_name: string }).table_name}.${(r as { column_name: string }).column_name}`)
      .sort();
    expect(inSchema.length).toBeGreaterThanOrEqual(3);
    expect(SEALED_COLUMNS.map((c) => `${c.table}.${c.column}`).sort()).toEqual(inSchema);
  });
});
