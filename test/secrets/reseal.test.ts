import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configContext } from "../../src/catalog/catalog-deps.ts";
import { ConnectorEntity } from "../../src/catalog/connector-entity.ts";
import { SEALED_COLUMNS } from "../../src/cli/sealed-columns.ts";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import {
  createSecretBox,
  keyIdOf,
  type ResealProgress,
  resealAll,
  SecretBoxError,
  sealedColumn,
} from "../../src/secrets/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const boxA = createSecretBox([keyA]);
const boxB = createSecretBox([keyB]);
const boxBA = createSecretBox([keyB, keyA]);
const COUNT = 23;

const plaintextOf = (i: number) => JSON.stringify({ baseUrl: `https://x${i}.test`, apiKey: `secret-${i}` });

describe("SEALED_COLUMNS", () => {
  it("binds the same context the catalog seals connector config with", () => {
    const spec = SEALED_COLUMNS.find((c) => c.table === "connectors" && c.column === "sealed_config");
    const id = randomUUID();
    expect(spec?.context({ id, sealed_config: "x" })).toBe(configContext(id));
  });
});

describe("resealAll", () => {
  let db: Database;
  let pg: TestDatabase | undefined;
  let dataDir: string;
  let ids: string[] = [];
  const sql = (query: string, params: unknown[] = []) =>
    db.em().getConnection().execute(query, params, "all") as Promise<Record<string, unknown>[]>;
  const sealedOf = async (id: string) =>
    String((await sql("select sealed_config from connectors where id = ?", [id]))[0]?.sealed_config);
  const setSealed = (id: string, value: string) =>
    sql("update connectors set sealed_config = ? where id = ?", [value, id]);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-reseal-"));
    pg = await createTestDatabase();
    db = await openDatabase({
      databaseUrl: pg?.url,
      dataDir,
      poolMax: 4,
      logger: createLogger({ level: "silent", format: "json" }),
      entities: ENTITIES,
    });
    await db.migrate();
  });
  afterAll(async () => {
    await db?.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  // COUNT connectors sealed under key A, plus one without config.
  beforeEach(async () => {
    await sql("delete from connector_versions");
    await sql("delete from connectors");
    const em = db.em();
    const now = new Date();
    ids = [];
    for (let i = 0; i <= COUNT; i++) {
      const id = randomUUID();
      em.create(ConnectorEntity, {
        id,
        slug: `inst-${i}`,
        name: `inst-${i}`,
        description: "",
        type: "placeholder-api",
        executionModel: "built_in",
        authType: "api_key",
        category: "example",
        tags: [],
        version: "1.0.0",
        configSchema: { connectionConfig: {}, commands: {} },
        builtIn: false,
        availability: null,
        availabilityReason: null,
        sealedConfig: i === COUNT ? null : boxA.seal(plaintextOf(i), configContext(id)),
        endpointUrl: null,
        protocol: null,
        scriptSource: null,
        mockScenario: null,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
      });
      if (i < COUNT) ids.push(id);
    }
    await em.flush();
  });

  it("re-seals every value under the new key, in batches, so the old key alone opens none of them", async () => {
    const progress: ResealProgress[] = [];
    const result = await resealAll({
      columns: SEALED_COLUMNS,
      em: () => db.em(),
      box: boxBA,
      batchSize: 10,
      onProgress: (p) => progress.push(p),
    });
    expect(result.failures).toEqual([]);
    expect(result.columns.filter((c) => c.resealed > 0 || c.table === "connectors")).toEqual([
      {
        table: "connectors",
        column: "sealed_config",
        present: true,
        resealed: COUNT,
        skipped: 0,
        failed: 0,
        remaining: 0,
      },
    ]);
    expect(progress.map((p) => `${p.done}/${p.total}`)).toEqual(["10/23", "20/23", "23/23"]);
    for (const [i, id] of ids.entries()) {
      const sealed = await sealedOf(id);
      expect(sealed.startsWith(`pb1.${keyIdOf(keyB)}.`)).toBe(true);
      expect(boxB.openText(sealed, configContext(id))).toBe(plaintextOf(i));
      expect(() => boxA.open(sealed, configContext(id))).toThrow(SecretBoxError);
    }
    expect((await sql("select count(*)::int as n from connectors where sealed_config is null"))[0]?.n).toBe(
      1,
    );
  });

  it("counts a value that does not open as failed, by id, and still re-seals the others", async () => {
    const [tampered = "", foreign = ""] = ids;
    const original = await sealedOf(tampered);
    const bad = `${original.slice(0, -4)}${original.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    await setSealed(tampered, bad);
    const unknownKey = createSecretBox([randomBytes(32)]).seal("x", configContext(foreign));
    await setSealed(foreign, unknownKey);

    const result = await resealAll({ columns: SEALED_COLUMNS, em: () => db.em(), box: boxBA, batchSize: 5 });
    expect(result.columns[0]).toMatchObject({ resealed: COUNT - 2, failed: 2, remaining: 2 });
    expect(result.failures).toEqual(
      expect.arrayContaining([
        {
          table: "connectors",
          column: "sealed_config",
          id: tampered,
          reason: "sealed value failed authentication",
        },
        {
          table: "connectors",
          column: "sealed_config",
          id: foreign,
          reason: `sealed with unknown key ${unknownKey.split(".")[1]}`,
        },
      ]),
    );
    expect(JSON.stringify(result)).not.toContain(bad.split(".")[2]);
    expect(await sealedOf(tampered)).toBe(bad);
    expect(await sealedOf(foreign)).toBe(unknownKey);
    for (const id of ids.slice(2))
      expect(boxB.open(await sealedOf(id), configContext(id))).toBeInstanceOf(Buffer);
  });

  it("keeps a value a server rewrote under the new key between read and write (skipped, not clobbered)", async () => {
    const [raced = ""] = ids;
    const fresh = boxBA.seal("written by a live server", configContext(raced));
    const result = await resealAll({
      columns: SEALED_COLUMNS,
      em: () => db.em(),
      box: boxBA,
      batchSize: 10,
      afterRead: async ({ ids: batch }) => {
        if (batch.includes(raced)) await setSealed(raced, fresh);
      },
    });
    expect(result.columns[0]).toMatchObject({ resealed: COUNT - 1, skipped: 1, failed: 0, remaining: 0 });
    expect(await sealedOf(raced)).toBe(fresh);
  });

  it("re-seals the newer value when a stale writer put one under the old key meanwhile", async () => {
    const [raced = ""] = ids;
    const result = await resealAll({
      columns: SEALED_COLUMNS,
      em: () => db.em(),
      box: boxBA,
      afterRead: async ({ ids: batch }) => {
        if (batch.includes(raced)) await setSealed(raced, boxA.seal("newer", configContext(raced)));
      },
    });
    expect(result.columns[0]).toMatchObject({ resealed: COUNT, skipped: 0, remaining: 0 });
    expect(boxB.openText(await sealedOf(raced), configContext(raced))).toBe("newer");
  });

  it("finds nothing to do on a second run", async () => {
    await resealAll({ columns: SEALED_COLUMNS, em: () => db.em(), box: boxBA });
    const before = await sql("select id, sealed_config from connectors order by id");
    const again = await resealAll({ columns: SEALED_COLUMNS, em: () => db.em(), box: boxBA });
    expect(again.columns[0]).toMatchObject({ resealed: 0, skipped: 0, failed: 0, remaining: 0 });
    expect(await sql("select id, sealed_config from connectors order by id")).toEqual(before);
  });

  it("skips a registered table that does not exist yet", async () => {
    const result = await resealAll({
      em: () => db.em(),
      box: boxBA,
      columns: [sealedColumn("not_yet_here", "sealed_thing", (id) => `x:${id}`), ...SEALED_COLUMNS],
    });
    expect(result.columns.map((c) => [c.table, c.present, c.resealed])).toEqual([
      ["not_yet_here", false, 0],
      ["connectors", true, COUNT],
      ["connections", true, 0],
      ["oauth_states", true, 0],
      ["webhook_endpoints", true, 0],
      ["webhook_endpoints", true, 0],
      ["webhook_endpoints", true, 0],
      ["webhook_endpoints", true, 0],
      ["webhook_events", true, 0],
    ]);
  });
});
