import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/index.ts";
import { createNotificationListener, type Database, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createToolListNotices, type ToolListNotices } from "../../src/mcp/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

// The database announces (by trigger, on every write path) each change that can change a tool list, and
// the notices tell exactly the streams whose list it can change. Negative cases are shown with a
// barrier: announcements are heard in commit order and told in one pass per burst, so when a later
// change's stream has been told, an earlier change's would have been too.
describe("tool-list notices on PostgreSQL", () => {
  let pgdb: TestDatabase;
  let dataDir: string;
  let db: Database;
  let sql: pg.Client;
  let notices: ToolListNotices;
  let stop: () => Promise<void>;
  const logger = createLogger({ level: "silent", format: "json" });
  let connectorId = "";

  const principal = (tenantId: string, subject: string): Principal => ({
    keyId: randomUUID(),
    tenantId,
    subject,
    scopes: ["mcp"],
    rateTier: "standard",
  });
  /** A watched stream that counts what it is told. */
  const watch = (p: Principal) => {
    const stream = { told: 0, ended: false, valid: true };
    const forget = notices.watch({
      principal: p,
      notify: () => {
        stream.told += 1;
      },
      keyValid: async () => stream.valid,
      end: () => {
        stream.ended = true;
        if (typeof forget === "function") forget();
      },
    });
    if (typeof forget !== "function") throw new Error(`the stream was refused (${forget})`);
    return { stream, forget };
  };
  const addConnection = async (tenantId: string, subject: string): Promise<string> => {
    const id = randomUUID();
    await sql.query(
      `insert into connections (id, tenant_id, subject, connector_id, connector_slug, status, auth_type, created_at, updated_at)
       values ($1, $2, $3, $4, 'echo', 'pending', 'none', now(), now())`,
      [id, tenantId, subject, connectorId],
    );
    return id;
  };

  beforeAll(async () => {
    pgdb = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-notices-"));
    db = await openDatabase({ databaseUrl: pgdb.url, dataDir, poolMax: 4, logger, entities: ENTITIES });
    await db.migrate();
    sql = new pg.Client({ connectionString: pgdb.url });
    await sql.connect();
    connectorId = randomUUID();
    await sql.query(
      `insert into connectors (id, slug, name, type, execution_model, auth_type, version, config_schema, created_at, updated_at)
       values ($1, 'notices-test', 'Notices test', 'custom', 'builtin', 'none', '1.0.0', '{}', now(), now())`,
      [connectorId],
    );
    notices = createToolListNotices({ logger, keyCheckMs: 50 });
    stop = await notices.start(createNotificationListener({ db, logger }));
  });
  afterAll(async () => {
    await stop?.();
    await sql?.end();
    await db?.close();
    await pgdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("tells a subject's streams when its connections change, and nobody else's", async () => {
    const ada = watch(principal("t1", "ada"));
    const adaAgain = watch(principal("t1", "ada"));
    const bob = watch(principal("t1", "bob"));
    const other = watch(principal("t2", "ada"));
    try {
      const id = await addConnection("t1", "ada");
      await expect.poll(() => ada.stream.told, { timeout: 20_000 }).toBe(1);
      expect(adaAgain.stream.told).toBe(1);
      expect(bob.stream.told).toBe(0);
      // The same subject name in another tenant is someone else.
      expect(other.stream.told).toBe(0);

      // A token refresh changes no watched column: nothing is told (bob's change is the barrier).
      await sql.query(
        "update connections set sealed_credentials = 'x', token_expires_at = now(), updated_at = now() where id = $1",
        [id],
      );
      await addConnection("t1", "bob");
      await expect.poll(() => bob.stream.told, { timeout: 20_000 }).toBe(1);
      expect(ada.stream.told).toBe(1);

      // A status change, a label and a deletion each tell.
      await sql.query("update connections set status = 'active' where id = $1", [id]);
      await expect.poll(() => ada.stream.told, { timeout: 20_000 }).toBe(2);
      await sql.query("update connections set deleted_at = now() where id = $1", [id]);
      await expect.poll(() => ada.stream.told, { timeout: 20_000 }).toBe(3);
      expect(other.stream.told).toBe(0);
    } finally {
      for (const s of [ada, adaAgain, bob, other]) s.forget();
    }
  });

  it("tells a tenant's streams when its own connectors change, and everyone for a shared one", async () => {
    const t1 = watch(principal("t1", "ada"));
    const t2 = watch(principal("t2", "bob"));
    try {
      await sql.query(
        `insert into connectors (id, slug, name, type, execution_model, auth_type, version, config_schema, tenant_id, created_at, updated_at)
         values ($1, 'own-one', 'Own', 'custom', 'script', 'none', '1.0.0', '{}', 't1', now(), now())`,
        [randomUUID()],
      );
      await expect.poll(() => t1.stream.told, { timeout: 20_000 }).toBe(1);
      expect(t2.stream.told).toBe(0);
      // A shared connector (no tenant) changes everyone's list.
      await sql.query("update connectors set description = 'changed' where id = $1", [connectorId]);
      await expect.poll(() => t2.stream.told, { timeout: 20_000 }).toBe(1);
      await expect.poll(() => t1.stream.told, { timeout: 20_000 }).toBe(2);
    } finally {
      t1.forget();
      t2.forget();
    }
  });

  it("holds streams to their limits, ends those whose key stops working, and ends all on stop", async () => {
    const limited = createToolListNotices({ logger, limits: { perKey: 2, perTenant: 3, total: 4 } });
    const p = principal("t1", "ada");
    const entry = (who: Principal) => ({
      principal: who,
      notify: () => undefined,
      keyValid: async () => true,
      end: () => undefined,
    });
    expect(limited.watch(entry(p))).toBeTypeOf("function");
    expect(limited.watch(entry(p))).toBeTypeOf("function");
    expect(limited.watch(entry(p))).toBe("perKey");
    const bob = limited.watch(entry(principal("t1", "bob")));
    expect(bob).toBeTypeOf("function");
    // t1 holds its share: another key of it is refused, another tenant's is not.
    expect(limited.watch(entry(principal("t1", "cy")))).toBe("perTenant");
    expect(limited.watch(entry(principal("t2", "cy")))).toBeTypeOf("function");
    expect(limited.watch(entry(principal("t2", "dee")))).toBe("total");
    expect(limited.size()).toBe(4);
    // A stream that ends gives its tenant's place back.
    if (typeof bob === "function") bob();
    expect(limited.watch(entry(principal("t1", "cy")))).toBeTypeOf("function");

    const revoked = watch(principal("t1", "eve"));
    revoked.stream.valid = false;
    await expect.poll(() => revoked.stream.ended, { timeout: 20_000 }).toBe(true);

    const staying = watch(principal("t1", "zed"));
    notices.endAll();
    expect(staying.stream.ended).toBe(true);
    expect(notices.watch(entry(principal("t1", "late")))).toBe("stopping");
  });
});
