import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyService } from "../../gen/patchbay/v1/api_keys_pb.ts";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ConnectionService } from "../../gen/patchbay/v1/connection_pb.ts";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { type HostileAgent, hostileAgent } from "../support/hostile-agent.ts";
import { refusalOf } from "../support/refusal-of.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The attack: the operator (tenant `default`) publishes a built-in instance that shares its API key
// through the instance config and sends its requests through agent pool `dc-1`. Another tenant's admin
// mints an agent key for a pool of the same name in its own tenant, connects its own agent, connects to
// the published instance and calls it. Calls run through the caller's pool, so its agent must be handed
// no request carrying the operator's key: the call is refused, and the combination is refused when an
// operator sets it up. The operator's own calls still go through its own agents.

const SHARED = "operator-shared-secret-7c6b5a4f3e2d";

/** A loopback HTTP server playing the operator's API host: answers every request with an empty JSON list. */
async function startApi(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.setHeader("content-type", "application/json").end("[]"));
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}

const carriesSecret = (agent: HostileAgent) =>
  agent.requests.filter((r) => JSON.stringify(r.headers.map((h) => [h.name, h.value])).includes(SHARED));

describe("a published connector with an agent pool and a shared secret", () => {
  let t: TestServer;
  let operator = "";
  const transport = () => createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" });
  const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
  const catalog = () => createClient(CatalogService, transport());
  const connections = () => createClient(ConnectionService, transport());
  const execute = () => createClient(ExecuteService, transport());
  const agentKey = async (admin: string, subject: string) =>
    (
      await createClient(ApiKeyService, transport()).createApiKey(
        { subject, name: "agent", scopes: ["agent"], agentPool: "dc-1" },
        as(admin),
      )
    ).key;
  /** A connection of `admin`'s to the slug, its credentials submitted (a refused credential test is kept going). */
  const connect = async (admin: string, slug: string) => {
    const id =
      (await connections().startConnection({ connectorSlug: slug, label: "x" }, as(admin))).connection?.id ??
      "";
    await connections()
      .submitCredentials({ id, credentials: {} }, as(admin))
      .catch(() => undefined);
    return id;
  };
  const listPosts = (admin: string, id: string) =>
    execute().execute(
      { target: { case: "connectionId", value: id }, command: "listPosts", params: { page: 1, limit: 10 } },
      as(admin),
    );

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    operator = await t.createKey(["admin"], "op-admin", "default");
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("is refused when the operator sets it up, whichever request completes it", async () => {
    const created = await refusalOf(() =>
      catalog().createConnector(
        {
          name: "onprem-at-once",
          type: "placeholder-api",
          executionModel: "built_in",
          config: { baseUrl: "http://127.0.0.1:9/", apiKey: SHARED },
          agentPool: "dc-1",
          published: true,
        },
        as(operator),
      ),
    );
    expect(created.code).toBe(Code.FailedPrecondition);
    expect(created.rawMessage).toContain("agent pool");
    expect(created.rawMessage).not.toContain(SHARED);

    await catalog().createConnector(
      {
        name: "onprem-later",
        type: "placeholder-api",
        executionModel: "built_in",
        config: { baseUrl: "http://127.0.0.1:9/", apiKey: SHARED },
        published: true,
      },
      as(operator),
    );
    const pooled = await refusalOf(() =>
      catalog().updateConnector({ slug: "onprem-later", agentPool: "dc-1" }, as(operator)),
    );
    expect(pooled.code).toBe(Code.FailedPrecondition);

    await catalog().createConnector(
      {
        name: "onprem-private",
        type: "placeholder-api",
        executionModel: "built_in",
        config: { baseUrl: "http://127.0.0.1:9/", apiKey: SHARED },
        agentPool: "dc-1",
      },
      as(operator),
    );
    const published = await refusalOf(() =>
      catalog().updateConnector({ slug: "onprem-private", published: true }, as(operator)),
    );
    expect(published.code).toBe(Code.FailedPrecondition);
  });

  it("never hands the operator's shared secret to another tenant's agent, and still runs for the operator", async () => {
    const api = await startApi();
    try {
      // Set up as a release without the check let an operator: published first, the pool added later,
      // after tenant B had connected.
      await catalog().createConnector(
        {
          name: "shared-onprem",
          type: "placeholder-api",
          executionModel: "built_in",
          config: { baseUrl: api.url, apiKey: SHARED },
          published: true,
        },
        as(operator),
      );
      // Tenant B: an ordinary tenant admin, entirely over the API.
      const adminB = await t.createKey(["admin"], "mallory", "tenant-b");
      const before = await connect(adminB, "shared-onprem");
      const db = new pg.Client({ connectionString: t.database?.url });
      await db.connect();
      await db
        .query("update connectors set agent_pool = 'dc-1' where slug = 'shared-onprem'")
        .finally(() => db.end());
      // A catalog write makes this replica read the row again.
      await catalog().updateConnector({ slug: "shared-onprem", description: "on premise" }, as(operator));

      const mallory = hostileAgent(t.url, await agentKey(adminB, "mallory-agent"), "dc-1");
      expect((await mallory.welcomed) instanceof ConnectError).toBe(false);
      // A call on the connection made before, and the credential test of a new one.
      const refused = await refusalOf(() => listPosts(adminB, before));
      expect(refused.code).toBe(Code.FailedPrecondition);
      expect(refused.rawMessage).toContain("another tenant's agents");
      expect(refused.rawMessage).not.toContain(SHARED);
      const id =
        (await connections().startConnection({ connectorSlug: "shared-onprem", label: "y" }, as(adminB)))
          .connection?.id ?? "";
      const tested = await refusalOf(() =>
        connections().submitCredentials({ id, credentials: {} }, as(adminB)),
      );
      expect(tested.code).toBe(Code.FailedPrecondition);

      // The operator's own agent of the pool still carries the operator's calls.
      const own = hostileAgent(t.url, await agentKey(operator, "op-agent"), "dc-1", { agentId: "op-agent" });
      expect((await own.welcomed) instanceof ConnectError).toBe(false);
      const ran = await listPosts(operator, await connect(operator, "shared-onprem"));
      expect(ran.executionId).not.toBe("");
      expect(carriesSecret(own).length).toBeGreaterThan(0);

      expect(carriesSecret(mallory).map((r) => r.url)).toEqual([]);
      expect(mallory.requests).toEqual([]);
      mallory.outbox.end();
      own.outbox.end();
    } finally {
      await api.close();
    }
  });
});
