import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ConnectionService } from "../../gen/patchbay/v1/connection_pb.ts";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { refusalOf } from "../support/refusal-of.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The attack this suite replays: an administrator shares one API key through a built-in instance's
// config; a caller who may only connect (another subject of the tenant, or another tenant when the
// instance is published) submits its own `baseUrl` to have the shared key sent to its host. The
// attacker's host must receive nothing, the caller must learn which field it may not set, and callers
// who bring their own base URL and key to an instance that shares none must still get through.

const SHARED = "shared-instance-secret-9f8e7d6c5b4a";
const OWN = "own-connection-secret-1a2b3c4d5e6f";

interface Recorder {
  url: string;
  seen: { url: string; auth: string }[];
  close(): Promise<void>;
}

/** A loopback HTTP server playing an API host: records every request, answers an empty JSON list. */
async function startRecorder(): Promise<Recorder> {
  const seen: Recorder["seen"] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    seen.push({ url: req.url ?? "", auth: String(req.headers.authorization ?? "") });
    req.resume();
    req.on("end", () => res.setHeader("content-type", "application/json").end("[]"));
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}

describe("a connection cannot send a built-in instance's shared secret to its own host", () => {
  let t: TestServer;
  let realApi: Recorder;
  let attacker: Recorder;
  let adminA = "";
  const transport = () => createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" });
  const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
  const catalog = () => createClient(CatalogService, transport());
  const connections = () => createClient(ConnectionService, transport());
  const execute = () => createClient(ExecuteService, transport());
  const listPosts = (id: string, key: string) =>
    execute().execute(
      { target: { case: "connectionId", value: id }, command: "listPosts", params: { page: 1, limit: 10 } },
      as(key),
    );
  const start = async (slug: string, key: string, label: string) =>
    (await connections().startConnection({ connectorSlug: slug, label }, as(key))).connection?.id ?? "";

  beforeAll(async () => {
    realApi = await startRecorder();
    attacker = await startRecorder();
    t = await startTestServer("postgresql");
    adminA = await t.createKey(["admin"], "alice-admin", "default");
    // The operator's tenant shares one API key, and where it goes, with every connection, and publishes
    // the instance (only the operator may).
    await catalog().createConnector(
      {
        name: "shared-api",
        type: "placeholder-api",
        executionModel: "built_in",
        config: { baseUrl: realApi.url, apiKey: SHARED },
        published: true,
      },
      as(adminA),
    );
    // A Linear instance sharing its key only: its baseUrl has a default, which no connection replaces.
    await catalog().createConnector(
      { name: "key-only", type: "linear", executionModel: "built_in", config: { apiKey: SHARED } },
      as(adminA),
    );
  });
  afterAll(async () => {
    await t?.stop();
    await realApi?.close();
    await attacker?.close();
  });

  const callers = [
    { who: "another subject of the same tenant", subject: "bob", tenant: "default" },
    { who: "another tenant, through the published instance", subject: "mallory", tenant: "tenant-b" },
  ];
  for (const { who, subject, tenant } of callers) {
    it(`refuses ${who} a baseUrl of its own, and the shared key reaches only the instance's host`, async () => {
      const key = await t.createKey(["connections", "execute"], subject, tenant);
      const stolen = attacker.seen.length;
      const id = await start("shared-api", key, "steal");
      const refused = await refusalOf(() =>
        connections().submitCredentials({ id, credentials: { baseUrl: attacker.url } }, as(key)),
      );
      expect(refused.code).toBe(Code.InvalidArgument);
      expect(refused.rawMessage).toBe(
        "credentials are invalid: baseUrl is set by the connector's config, not by a connection",
      );
      expect((await connections().getConnection({ id }, as(key))).connection?.status).toBe("pending");

      // Connecting without fields of its own works, and every request goes to the instance's host.
      const before = realApi.seen.length;
      const accepted = await connections().submitCredentials({ id, credentials: {} }, as(key));
      expect(accepted.connection?.status).toBe("active");
      expect((await listPosts(id, key)).payload).toEqual({ posts: [], nextPage: null });
      expect(realApi.seen.slice(before)).toEqual([
        { url: "/health", auth: `Bearer ${SHARED}` },
        { url: "/posts?_page=1&_limit=10", auth: `Bearer ${SHARED}` },
      ]);
      expect(attacker.seen.slice(stolen)).toEqual([]);
    });
  }

  it("refuses a baseUrl when the instance config shares a key and leaves the base URL to its default", async () => {
    const key = await t.createKey(["connections", "execute"], "carol", "default");
    const stolen = attacker.seen.length;
    const id = await start("key-only", key, "steal");
    const refused = await refusalOf(() =>
      connections().submitCredentials({ id, credentials: { baseUrl: attacker.url } }, as(key)),
    );
    expect(refused.code).toBe(Code.InvalidArgument);
    expect(refused.rawMessage).toBe(
      "credentials are invalid: baseUrl comes only from the connector's config or its default while that config holds a secret",
    );
    expect(refused.rawMessage).not.toContain(SHARED);
    expect(attacker.seen.slice(stolen)).toEqual([]);
  });

  it("sends a connection's stored baseUrl nowhere once the instance config shares a key", async () => {
    await catalog().createConnector(
      { name: "later-shared", type: "placeholder-api", executionModel: "built_in" },
      as(adminA),
    );
    const key = await t.createKey(["connections", "execute"], "dave", "default");
    const id = await start("later-shared", key, "early");
    await connections().submitCredentials(
      { id, credentials: { baseUrl: attacker.url, apiKey: OWN } },
      as(key),
    );
    const connected = attacker.seen.length;
    // The administrator shares a key (and where it goes) after the connection stored its own baseUrl.
    await catalog().updateConnector(
      { slug: "later-shared", config: { baseUrl: realApi.url, apiKey: SHARED } },
      as(adminA),
    );
    const before = realApi.seen.length;
    expect((await listPosts(id, key)).payload).toEqual({ posts: [], nextPage: null });
    expect(attacker.seen.slice(connected)).toEqual([]);
    expect(realApi.seen.slice(before)).toEqual([
      { url: "/posts?_page=1&_limit=10", auth: `Bearer ${SHARED}` },
    ]);
  });

  it("asks a connection only for the fields the instance config leaves to it", async () => {
    const key = await t.createKey(["catalog:read", "connections"], "gina", "default");
    const fieldsOf = async (slug: string) =>
      ((await catalog().getConnector({ slug }, as(key))).connector?.credentialFields ?? []).map((f) => f.key);
    // Both set by the shared config: nothing left to ask for.
    expect(await fieldsOf("shared-api")).toEqual([]);
    // As another tenant sees the published instance too.
    const other = await t.createKey(["catalog:read"], "gina-b", "tenant-b");
    const listed = await catalog().listConnectors({ q: "shared-api" }, as(other));
    expect(listed.connectors.find((c) => c.slug === "shared-api")?.credentialFields).toEqual([]);
    // The key is shared, so where it goes is not the connection's either; the type asks for both.
    expect((await fieldsOf("placeholder-api")).sort()).toEqual(["apiKey", "baseUrl"]);
    // Only the key is shared, and with it where it goes: the rest of the type's fields stay the connection's.
    const linear = (await fieldsOf("linear")).sort();
    expect(linear).toEqual(expect.arrayContaining(["apiKey"]));
    expect((await fieldsOf("key-only")).sort()).toEqual(
      linear.filter((f) => f !== "apiKey" && !/url$/i.test(f)),
    );
  });

  it("still lets a connection bring its own base URL and key to an instance that shares no secret", async () => {
    const own = await startRecorder();
    try {
      await catalog().createConnector(
        { name: "bring-your-own", type: "placeholder-api", executionModel: "built_in" },
        as(adminA),
      );
      for (const [slug, subject, tenant] of [
        ["bring-your-own", "erin", "default"],
        ["placeholder-api", "frank", "tenant-b"],
      ] as const) {
        const key = await t.createKey(["connections", "execute"], subject, tenant);
        const id = await start(slug, key, "own");
        const submitted = await connections().submitCredentials(
          { id, credentials: { baseUrl: own.url, apiKey: OWN } },
          as(key),
        );
        expect(submitted.connection?.status).toBe("active");
        expect((await listPosts(id, key)).payload).toEqual({ posts: [], nextPage: null });
      }
      expect(own.seen).toEqual([
        { url: "/health", auth: `Bearer ${OWN}` },
        { url: "/posts?_page=1&_limit=10", auth: `Bearer ${OWN}` },
        { url: "/health", auth: `Bearer ${OWN}` },
        { url: "/posts?_page=1&_limit=10", auth: `Bearer ${OWN}` },
      ]);
    } finally {
      await own.close();
    }
  });
});
