import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

// The tenant-owned catalog migration on a database made by the previous version: API-created
// connectors move to the bootstrap tenant, those that another tenant's connections use are published
// (no existing connection stops working), built-ins stay shared, and execution records get the
// subject of the key that ran them.

describe("migration m0011 (tenant-owned catalog) on existing rows", () => {
  let pgdb: TestDatabase;
  let dataDir: string;
  let db: Database;
  let client: pg.Client;

  beforeAll(async () => {
    pgdb = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-m0011-"));
    db = await openDatabase({
      databaseUrl: pgdb.url,
      dataDir,
      poolMax: 2,
      logger: createLogger({ level: "silent", format: "json" }),
      entities: ENTITIES,
    });
    await db.orm.migrator.up({ to: "m0010-openapi-connectors" });
    client = new pg.Client({ connectionString: pgdb.url });
    await client.connect();
    const connector = (id: string, slug: string, builtIn: boolean) =>
      client.query(
        `insert into connectors (id, slug, name, description, type, execution_model, auth_type, category, tags,
           version, config_schema, built_in, created_at, updated_at)
         values ($1, $2, $2, '', $2, 'script', 'api_key', '', '[]', '1.0.0', '{"commands":{},"connectionConfig":{}}', $3, now(), now())`,
        [id, slug, builtIn],
      );
    await connector("00000000-0000-4000-8000-000000000001", "http", true);
    await connector("00000000-0000-4000-8000-000000000002", "own-only", false);
    await connector("00000000-0000-4000-8000-000000000003", "used-elsewhere", false);
    const connection = (id: string, tenant: string, connectorId: string, slug: string) =>
      client.query(
        `insert into connections (id, tenant_id, subject, connector_id, connector_slug, label, status, auth_type,
           granted_scopes, created_at, updated_at)
         values ($1, $2, 'someone', $3, $4, '', 'active', 'api_key', '{}', now(), now())`,
        [id, tenant, connectorId, slug],
      );
    await connection(
      "10000000-0000-4000-8000-000000000001",
      "default",
      "00000000-0000-4000-8000-000000000002",
      "own-only",
    );
    await connection(
      "10000000-0000-4000-8000-000000000002",
      "acme",
      "00000000-0000-4000-8000-000000000003",
      "used-elsewhere",
    );
    await client.query(
      `insert into api_keys (id, tenant_id, subject, name, prefix, key_hash, scopes, created_at)
       values ('20000000-0000-4000-8000-000000000001', 'acme', 'carol', 'k', 'pb_x', 'hash', '{execute}', now())`,
    );
    await client.query(
      `insert into executions (id, tenant_id, key_id, connector_slug, connector_version, command, status, duration_ms, created_at)
       values ('30000000-0000-4000-8000-000000000001', 'acme', '20000000-0000-4000-8000-000000000001', 'http', '1.0.0', 'get', 'succeeded', 1, now())`,
    );
    expect(await db.migrate()).toContain("m0011-tenant-catalog");
  });
  afterAll(async () => {
    await client?.end();
    await db?.close();
    await pgdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("moves API-created connectors to the bootstrap tenant and keeps built-ins shared", async () => {
    const { rows } = await client.query<{ slug: string; tenant_id: string | null; published: boolean }>(
      "select slug, tenant_id, published from connectors order by slug",
    );
    expect(rows).toEqual([
      { slug: "http", tenant_id: null, published: false },
      { slug: "own-only", tenant_id: "default", published: false },
      { slug: "used-elsewhere", tenant_id: "default", published: true },
    ]);
  });

  it("fills execution records' subject from the key that ran them", async () => {
    const { rows } = await client.query<{ subject: string }>("select subject from executions");
    expect(rows).toEqual([{ subject: "carol" }]);
  });

  it("makes slugs unique per tenant, not across tenants", async () => {
    await client.query(
      `insert into connectors (id, tenant_id, slug, name, description, type, execution_model, auth_type, category,
         tags, version, config_schema, built_in, created_at, updated_at)
       values (gen_random_uuid(), 'acme', 'own-only', 'x', '', 'x', 'script', 'none', '', '[]', '1.0.0', '{}', false, now(), now())`,
    );
    await expect(
      client.query(
        `insert into connectors (id, tenant_id, slug, name, description, type, execution_model, auth_type, category,
           tags, version, config_schema, built_in, created_at, updated_at)
         values (gen_random_uuid(), 'acme', 'own-only', 'x', '', 'x', 'script', 'none', '', '[]', '1.0.0', '{}', false, now(), now())`,
      ),
    ).rejects.toThrow(/connectors_tenant_slug_unique/);
  });
});
