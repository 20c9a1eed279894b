import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKeyStore, KEY_LOOKUPS_AT_ONCE, KEY_LOOKUPS_WAITING } from "../../src/auth/index.ts";
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

  it("reads at most a few made-up keys from the database at once, and refuses what is past the line", async () => {
    // Every entity manager the store makes reports its reads, so the test sees how many run at once.
    let reading = 0;
    let most = 0;
    let reads = 0;
    const watched = (): EntityManager => {
      const em = db.em();
      const findOne = em.findOne.bind(em) as (...args: unknown[]) => Promise<unknown>;
      Object.assign(em, {
        findOne: async (...args: unknown[]) => {
          reading++;
          reads++;
          most = Math.max(most, reading);
          try {
            return await findOne(...args);
          } finally {
            reading--;
          }
        },
      });
      return em;
    };
    const keys = createApiKeyStore(watched, () => new Date());
    keys.setCaching(true);
    const { key, info } = await keys.create({
      tenantId: "default",
      subject: "known",
      name: "k",
      scopes: ["catalog:read"],
    });
    const madeUp = (count: number) =>
      Array.from({ length: count }, () => `pb_${randomBytes(32).toString("base64url")}`);

    // Three hundred different unknown keys at once, and a real one among them: each is read once, never
    // more than KEY_LOOKUPS_AT_ONCE at a time, and the real key is still verified.
    reads = 0;
    const flood = madeUp(300).map((k) => keys.verify(k));
    const known = keys.verify(key);
    expect(await Promise.all(flood)).toEqual(Array(300).fill(undefined));
    expect((await known)?.keyId).toBe(info.id);
    expect(reads).toBe(301);
    expect(most).toBeLessThanOrEqual(KEY_LOOKUPS_AT_ONCE);
    expect(most).toBeGreaterThan(0);

    // A line longer than KEY_LOOKUPS_WAITING: those past it are refused at once, the rest are read.
    const over = 5;
    const outcomes = await Promise.allSettled(
      madeUp(KEY_LOOKUPS_AT_ONCE + KEY_LOOKUPS_WAITING + over).map((k) => keys.verify(k)),
    );
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(refused).toHaveLength(over);
    for (const r of refused) {
      const error = (r as PromiseRejectedResult).reason as unknown;
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.Unavailable);
      expect((error as ConnectError).rawMessage).toBe("too many API key checks at once; try again");
      expect((error as ConnectError).metadata.get("retry-after")).toBe("1");
    }
    expect(outcomes.filter((o) => o.status === "fulfilled" && o.value === undefined)).toHaveLength(
      KEY_LOOKUPS_AT_ONCE + KEY_LOOKUPS_WAITING,
    );
    // Afterwards the gate is open again.
    expect((await keys.verify(key))?.keyId).toBe(info.id);
  });
});
