import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CONNECTOR_CACHE_MS, CONNECTOR_STALE_MS } from "../../src/catalog/connector-lookup.ts";
import {
  BUILTIN_CATALOG,
  type ConnectorLookup,
  createConnectorLookup,
  syncBuiltinCatalog,
} from "../../src/catalog/index.ts";
import { BUILT_IN_DEFINITIONS } from "../../src/connectors/index.ts";
import { createSecretBox } from "../../src/secrets/index.ts";
import {
  type CountedDatabase,
  type GatedReads,
  gatedReads,
  openCountedDatabase,
} from "../support/counted-database.ts";

// When a busy connector's cache entry lapses, the calls in flight are answered from it while one read
// refreshes it; concurrent misses share one read; a catalog write on this replica (forget) is seen at once,
// even by a refresh already in flight. The lookup's clock is driven by hand and reads are counted by the
// pool's statement hook (`SELECT connectors` is what PostgreSQL received).
describe("the connector lookup's cache on postgresql", () => {
  let counted: CountedDatabase;
  let reads: GatedReads;
  let clock = Date.parse("2026-12-05T10:00:00Z");
  let lookup: ConnectorLookup;
  const slug = BUILTIN_CATALOG[0]?.slug ?? "";
  const lookups = () => counted.count("SELECT", "connectors");
  const settled = async () => {
    await expect.poll(() => reads.running).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
  };
  /** A catalog write: the row changes, then the writer calls forget (what catalog-service's `changed` does). */
  const write = async (version: string) => {
    await counted.db
      .em()
      .getConnection()
      .execute("update connectors set version = ? where slug = ?", [version, slug]);
    lookup.forget(slug);
  };
  const versions = async (tenantId: string, n: number) =>
    (await Promise.all(Array.from({ length: n }, () => lookup(tenantId, slug)))).map((view) => view?.version);

  beforeAll(async () => {
    counted = await openCountedDatabase();
    await syncBuiltinCatalog(counted.db.em(), BUILTIN_CATALOG, () => new Date(clock));
  });
  afterAll(async () => {
    await counted?.close();
  });
  beforeEach(async () => {
    reads = gatedReads(() => counted.db.em());
    lookup = createConnectorLookup(
      {
        em: reads.em,
        secretBox: createSecretBox([randomBytes(32)]),
        builtins: new Map(BUILT_IN_DEFINITIONS.map((d) => [d.name, d])),
      },
      () => clock,
    );
    await counted.db
      .em()
      .getConnection()
      .execute("update connectors set version = '1.0.0' where slug = ?", [slug]);
    counted.reset();
  });

  it("answers every call at a lapsed entry from it while exactly one read refreshes it", async () => {
    expect(await versions("a", 1)).toEqual(["1.0.0"]);
    await settled();
    await counted.db
      .em()
      .getConnection()
      .execute("update connectors set version = '1.0.1' where slug = ?", [slug]);
    counted.reset();
    clock += CONNECTOR_CACHE_MS + 1;
    reads.holdNext();
    // All 64 are answered while the one refresh is held: nobody waits for the database.
    expect(await versions("a", 64)).toEqual(Array(64).fill("1.0.0"));
    await expect.poll(() => reads.held).toBe(1);
    expect(lookups()).toBe(1);
    reads.release();
    // Another replica's write is seen once the refresh has read it, without another read.
    await expect.poll(async () => (await versions("a", 1))[0]).toBe("1.0.1");
    await settled();
    expect(lookups()).toBe(1);
  });

  it("shares one read among concurrent misses of one tenant and slug", async () => {
    expect(await versions("a", 64)).toEqual(Array(64).fill("1.0.0"));
    expect(lookups()).toBe(1);
  });

  it("costs one read per expiry under steady load (64 calls at a time for 10 s of its clock)", async () => {
    let calls = 0;
    let wrong = 0;
    for (let round = 0; round < 100; round++) {
      const found = await versions("a", 64);
      calls += found.length;
      wrong += found.filter((version) => version !== "1.0.0").length;
      await settled();
      clock += 100;
    }
    expect({ calls, wrong }).toEqual({ calls: 6400, wrong: 0 });
    // Read at 0 s, and refreshed once each time the entry lapsed: 2.1 s, 4.2 s, 6.3 s and 8.4 s.
    expect(lookups()).toBe(5);
  });

  it("does not answer an entry older than its TTL plus the staleness bound: the call waits for the read", async () => {
    expect(await versions("a", 1)).toEqual(["1.0.0"]);
    await counted.db
      .em()
      .getConnection()
      .execute("update connectors set version = '1.0.2' where slug = ?", [slug]);
    clock += CONNECTOR_CACHE_MS + CONNECTOR_STALE_MS;
    expect(await versions("a", 1)).toEqual(["1.0.2"]);
  });

  it("sees a write on this replica at once, for every tenant, even while the entries are stale", async () => {
    expect(await versions("a", 1)).toEqual(["1.0.0"]);
    expect(await versions("b", 1)).toEqual(["1.0.0"]);
    clock += CONNECTOR_CACHE_MS + 1;
    await write("2.0.0");
    expect(await versions("a", 1)).toEqual(["2.0.0"]);
    expect(await versions("b", 1)).toEqual(["2.0.0"]);
  });

  it("does not keep what a refresh in flight read before a write on this replica", async () => {
    expect(await versions("a", 1)).toEqual(["1.0.0"]);
    clock += CONNECTOR_CACHE_MS + 1;
    reads.holdNext();
    expect(await versions("a", 1)).toEqual(["1.0.0"]);
    await expect.poll(() => reads.held).toBe(1);
    await write("3.0.0");
    expect(await versions("a", 1)).toEqual(["3.0.0"]);
    reads.release();
    await settled();
    expect(await versions("a", 1)).toEqual(["3.0.0"]);
  });

  it("answers the calls waiting on a first read that raced a write, but does not keep what it read", async () => {
    reads.holdNext();
    const before = lookup("a", slug);
    await expect.poll(() => reads.held).toBe(1);
    await write("4.0.0");
    expect(await versions("a", 1)).toEqual(["4.0.0"]);
    reads.release();
    expect((await before)?.version).toBe("1.0.0");
    await settled();
    expect(await versions("a", 1)).toEqual(["4.0.0"]);
  });

  it("keeps answering within the bound while a refresh fails, then fails the calls past it, and recovers", async () => {
    expect(await versions("a", 1)).toEqual(["1.0.0"]);
    await settled();
    reads.failing = true;
    clock += CONNECTOR_CACHE_MS + 1;
    for (let i = 0; i < 3; i++) {
      expect(await versions("a", 1)).toEqual(["1.0.0"]);
      await settled();
    }
    clock += CONNECTOR_STALE_MS;
    await expect(lookup("a", slug)).rejects.toThrow("connection refused");
    reads.failing = false;
    expect(await versions("a", 1)).toEqual(["1.0.0"]);
  });

  it("does not remember a slug that names no connector", async () => {
    expect(await lookup("a", "no-such-connector")).toBeUndefined();
    expect(await lookup("a", "no-such-connector")).toBeUndefined();
    expect(lookups()).toBe(2);
  });
});
