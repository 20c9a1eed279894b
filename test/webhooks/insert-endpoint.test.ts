import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/index.ts";
import { createNativeQuery, type Database, type NativeQuery, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createSecretBox } from "../../src/secrets/index.ts";
import type { NewEndpoint } from "../../src/webhooks/endpoints/check-create-endpoint.ts";
import { createEndpointStore } from "../../src/webhooks/endpoints/endpoint-store.ts";
import { type InsertEndpointDeps, insertEndpoint } from "../../src/webhooks/endpoints/insert-endpoint.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

// An endpoint tied to a connection: the connections feature answers whether the connection is the
// tenant's (and, for a command target, the caller's own); the webhooks feature never reads its table.

const principal = (tenantId: string, subject: string): Principal => ({
  keyId: "k",
  tenantId,
  subject,
  scopes: ["webhooks:admin"],
  rateTier: "default",
});

describe("insertEndpoint's connection checks", () => {
  let pg: TestDatabase;
  let dataDir: string;
  let db: Database;
  let query: NativeQuery;
  let deps: InsertEndpointDeps;
  const alices = randomUUID();
  const deleted = randomUUID();
  const otherTenants = randomUUID();

  beforeAll(async () => {
    pg = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-insert-endpoint-"));
    const logger = createLogger({ level: "silent", format: "json" });
    db = await openDatabase({ databaseUrl: pg.url, dataDir, poolMax: 2, logger, entities: ENTITIES });
    await db.migrate();
    query = createNativeQuery(() => db.em());
    const connector = randomUUID();
    await query(
      `insert into connectors (id, slug, name, type, execution_model, auth_type, version, config_schema, created_at, updated_at)
       values ($1, 'stripe', 'Stripe', 'stripe', 'built_in', 'api_key', '1.0.0', '{}', now(), now())`,
      [connector],
    );
    const connection = `insert into connections (id, tenant_id, subject, connector_id, connector_slug, status, auth_type,
      created_at, updated_at, deleted_at) values ($1, $2, $3, $4, 'stripe', 'active', 'api_key', now(), now(), $5)`;
    await query(connection, [alices, "t1", "alice", connector, null]);
    await query(connection, [deleted, "t1", "alice", connector, new Date()]);
    await query(connection, [otherTenants, "t2", "alice", connector, null]);
    deps = {
      query,
      endpointStore: createEndpointStore(query),
      jobs: { ensurePullQueue: async () => undefined },
      secretBox: createSecretBox([randomBytes(32)]),
      logger,
      now: () => new Date(),
    };
  });
  afterAll(async () => {
    await db?.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const endpoint = (change: Partial<NewEndpoint>): NewEndpoint => ({
    provider: "stripe",
    connectorSlug: "stripe",
    connectionId: null,
    secret: "whsec_test",
    verifyToken: null,
    target: { kind: "pull" },
    signingSecret: null,
    ...change,
  });

  async function refusal(caller: Principal, checked: NewEndpoint): Promise<ConnectError> {
    const error = await insertEndpoint(deps, caller, checked).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (!(error instanceof ConnectError)) throw new Error(`expected a ConnectError, got ${String(error)}`);
    return error;
  }

  it("ties an endpoint to a live connection of the tenant, whichever subject's", async () => {
    const id = await insertEndpoint(deps, principal("t1", "bob"), endpoint({ connectionId: alices }));
    expect((await deps.endpointStore.find("t1", id))?.connectionId).toBe(alices);
  });

  it.each([
    ["an unknown", randomUUID()],
    ["a deleted", deleted],
    ["another tenant's", otherTenants],
  ])("refuses %s connection", async (_, connectionId) => {
    const error = await refusal(principal("t1", "alice"), endpoint({ connectionId }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe("connection_id: no such connection");
  });

  it("runs a command target as the connection's owner, and refuses anyone else's connection", async () => {
    const target = { kind: "command" as const, connectionId: alices, command: "list", subject: "" };
    const id = await insertEndpoint(deps, principal("t1", "alice"), endpoint({ target }));
    expect((await deps.endpointStore.find("t1", id))?.target).toEqual({ ...target, subject: "alice" });
    for (const caller of [principal("t1", "bob"), principal("t2", "alice")]) {
      const error = await refusal(caller, endpoint({ target }));
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toBe("target.command.connection_id: no such connection of yours");
    }
    const error = await refusal(
      principal("t1", "alice"),
      endpoint({ target: { ...target, connectionId: deleted } }),
    );
    expect(error.rawMessage).toBe("target.command.connection_id: no such connection of yours");
  });
});
