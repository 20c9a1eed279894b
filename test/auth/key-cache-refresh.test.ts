import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type ApiKeyStore,
  createApiKeyStore,
  hashApiKey,
  VERIFIED_CACHE_MS,
  VERIFIED_STALE_MS,
} from "../../src/auth/index.ts";
import {
  type CountedDatabase,
  type GatedReads,
  gatedReads,
  openCountedDatabase,
} from "../support/counted-database.ts";

// When a busy key's cache entry lapses, the calls in flight are answered from it while one lookup reads
// the key again; concurrent misses share one lookup. The store's clock is driven by hand and lookups are
// counted by the pool's statement hook (`SELECT api_keys` is what PostgreSQL received).
describe("the verified-key cache refreshing on postgresql", () => {
  let counted: CountedDatabase;
  let reads: GatedReads;
  let clock = Date.parse("2026-12-05T10:00:00Z");
  let keys: ApiKeyStore;
  const lookups = () => counted.count("SELECT", "api_keys");
  /** Lets a refresh that has no held read left finish storing what it read. */
  const settled = async () => {
    await expect.poll(() => reads.running).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
  };
  const newKey = async (subject: string, expiresAt?: Date) => {
    const created = await keys.create({
      tenantId: "default",
      subject,
      name: subject,
      scopes: ["execute"],
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
    return { key: created.key, id: created.info.id };
  };
  const sql = (text: string, values: unknown[]) => counted.db.em().getConnection().execute(text, values);

  beforeAll(async () => {
    counted = await openCountedDatabase();
  });
  afterAll(async () => {
    await counted?.close();
  });
  beforeEach(() => {
    reads = gatedReads(() => counted.db.em());
    keys = createApiKeyStore(reads.em, () => new Date(clock));
    keys.setCaching(true);
  });

  it("answers every call at a lapsed entry from it while exactly one lookup refreshes it", async () => {
    const { key, id } = await newKey("busy");
    expect((await keys.verify(key))?.keyId).toBe(id);
    await settled();
    await sql("update api_keys set subject = 'busy-renamed' where id = ?", [id]);
    counted.reset();
    clock += VERIFIED_CACHE_MS + 1;
    reads.holdNext();
    // All 64 are answered while the one refresh is held: nobody waits for the database.
    const principals = await Promise.all(Array.from({ length: 64 }, () => keys.verify(key)));
    expect(principals.map((p) => `${p?.keyId} ${p?.subject}`)).toEqual(Array(64).fill(`${id} busy`));
    await expect.poll(() => reads.held).toBe(1);
    expect(lookups()).toBe(1);
    reads.release();
    // What the refresh read is answered from now on, without another lookup.
    await expect.poll(async () => (await keys.verify(key))?.subject).toBe("busy-renamed");
    await settled();
    expect(lookups()).toBe(1);
  });

  it("shares one lookup among concurrent misses", async () => {
    const { key, id } = await newKey("missed");
    counted.reset();
    const principals = await Promise.all(Array.from({ length: 64 }, () => keys.verify(key)));
    expect(principals.every((p) => p?.keyId === id)).toBe(true);
    expect(lookups()).toBe(1);
  });

  it("costs one lookup per expiry under steady load (64 calls at a time for 10 s of its clock)", async () => {
    const { key, id } = await newKey("steady");
    counted.reset();
    let calls = 0;
    let wrong = 0;
    for (let round = 0; round < 100; round++) {
      const principals = await Promise.all(Array.from({ length: 64 }, () => keys.verify(key)));
      calls += principals.length;
      wrong += principals.filter((p) => p?.keyId !== id).length;
      await settled();
      clock += 100;
    }
    expect({ calls, wrong }).toEqual({ calls: 6400, wrong: 0 });
    // Read at 0 s, and refreshed once when the entry lapsed after 5 s.
    expect(lookups()).toBe(2);
  });

  it("does not answer an entry older than its TTL plus the staleness bound: the call waits for the read", async () => {
    const { key, id } = await newKey("idle");
    expect((await keys.verify(key))?.subject).toBe("idle");
    await sql("update api_keys set subject = 'idle-renamed' where id = ?", [id]);
    clock += VERIFIED_CACHE_MS + VERIFIED_STALE_MS;
    expect((await keys.verify(key))?.subject).toBe("idle-renamed");
  });

  it("refuses a key revoked while its entry is stale and a refresh that read it before is in flight", async () => {
    const { key } = await newKey("revoked");
    await keys.verify(key);
    clock += VERIFIED_CACHE_MS + 1;
    reads.holdNext();
    // Answered from the stale entry (before the revocation); the refresh reads the live row and is held.
    expect((await keys.verify(key))?.subject).toBe("revoked");
    await expect.poll(() => reads.held).toBe(1);
    // Revoked elsewhere; the announcement reaches this store as forget() (what listenForRevocations does).
    const elsewhere = createApiKeyStore(
      () => counted.db.em(),
      () => new Date(clock),
    );
    await elsewhere.revoke(key.slice(0, 12));
    keys.forget(hashApiKey(key));
    expect(await keys.verify(key)).toBeUndefined();
    // The refresh that read the key before the revocation finishes: its read is not kept.
    reads.release();
    await settled();
    for (let i = 0; i < 3; i++) expect(await keys.verify(key)).toBeUndefined();
  });

  it("refuses a key revoked through this store at once, even while its entry is stale", async () => {
    const { key } = await newKey("revoked-here");
    await keys.verify(key);
    clock += VERIFIED_CACHE_MS + 1;
    await keys.revoke(key.slice(0, 12));
    expect(await keys.verify(key)).toBeUndefined();
  });

  it("refuses a key from the moment a refresh finds it revoked (a missed announcement costs at most the bound)", async () => {
    const { key, id } = await newKey("silent");
    await keys.verify(key);
    await settled();
    await sql("update api_keys set revoked_at = now() where id = ?", [id]);
    clock += VERIFIED_CACHE_MS + 1;
    // Within the bound the stale entry answers once more, and its refresh finds the revocation.
    expect((await keys.verify(key))?.subject).toBe("silent");
    await settled();
    for (let i = 0; i < 3; i++) expect(await keys.verify(key)).toBeUndefined();
  });

  it("refuses an expired key even while its (stale) entry could be answered", async () => {
    const expiresAt = new Date(clock + VERIFIED_CACHE_MS + 500);
    const { key } = await newKey("expiring", expiresAt);
    expect((await keys.verify(key))?.subject).toBe("expiring");
    await settled();
    counted.reset();
    clock = expiresAt.getTime() - 1;
    expect((await keys.verify(key))?.subject).toBe("expiring");
    await settled();
    clock = expiresAt.getTime();
    expect(await keys.verify(key)).toBeUndefined();
  });

  it("keeps answering within the bound while a refresh fails, then fails the calls past it, and recovers", async () => {
    const { key } = await newKey("outage");
    await keys.verify(key);
    await settled();
    reads.failing = true;
    clock += VERIFIED_CACHE_MS + 1;
    for (let i = 0; i < 3; i++) {
      expect((await keys.verify(key))?.subject).toBe("outage");
      await settled();
    }
    clock += VERIFIED_STALE_MS;
    await expect(keys.verify(key)).rejects.toThrow("connection refused");
    reads.failing = false;
    expect((await keys.verify(key))?.subject).toBe("outage");
  });

  it("reads the database on every call while caching is off (revocations cannot be heard)", async () => {
    const { key } = await newKey("uncached");
    await keys.verify(key);
    keys.setCaching(false);
    counted.reset();
    for (let i = 0; i < 3; i++) expect((await keys.verify(key))?.subject).toBe("uncached");
    expect(lookups()).toBe(3);
  });
});
