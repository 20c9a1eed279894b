import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKeyStore } from "../../src/auth/index.ts";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

// A flooding key's calls all authenticate first. When its cached verification expires, hundreds of calls
// in flight must not each queue a query for the pool in front of every other key's work.
describe("API key verification under a flood (PostgreSQL)", () => {
  let pgdb: TestDatabase;
  let dataDir: string;
  let db: Database;

  beforeAll(async () => {
    pgdb = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-keyflood-"));
    db = await openDatabase({
      databaseUrl: pgdb.url,
      dataDir,
      poolMax: 4,
      logger: createLogger({ level: "silent", format: "json" }),
      entities: ENTITIES,
    });
    await db.migrate();
  });
  afterAll(async () => {
    await db?.close();
    await pgdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("looks a key up once for all the calls that miss the cache together", async () => {
    let lookups = 0;
    let clock = Date.parse("2026-12-05T10:00:00Z");
    const keys = createApiKeyStore(
      () => {
        lookups++;
        return db.em();
      },
      () => new Date(clock),
    );
    keys.setCaching(true);
    const { key, info } = await keys.create({
      tenantId: "default",
      subject: "flooder",
      name: "f",
      scopes: ["catalog:read"],
    });
    for (const round of [1, 2]) {
      lookups = 0;
      const principals = await Promise.all(Array.from({ length: 200 }, () => keys.verify(key)));
      expect(principals.every((p) => p?.keyId === info.id)).toBe(true);
      expect({ round, lookups }).toEqual({ round, lookups: 1 });
      // The cached verification expires: the next wave misses together again.
      clock += 60_000;
    }
  });
});
