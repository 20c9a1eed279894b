import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FakePlaceholderApi,
  startFakePlaceholderApi,
} from "../connectors/builtin/fake-placeholder-api.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

const GOOD_KEY = "pk-live-secret-7f3a9c";
const BAD_KEY = "pk-live-wrong-0000";

interface ConnectionJson {
  id: string;
  status: string;
  connectorSlug: string;
  label?: string;
  lastError?: string;
}

describe.each(BACKENDS)("API-key connections over the wire on %s", (backend) => {
  let t: TestServer;
  let api: FakePlaceholderApi;
  let otherKey: string;
  const responses: string[] = [];
  const call = async (method: string, path: string, body?: unknown, key?: string) => {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: {
        ...(key === "" ? {} : { authorization: `Bearer ${key ?? t.adminKey}` }),
        "content-type": "application/json",
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    responses.push(text, JSON.stringify([...res.headers]));
    return { status: res.status, json: (text === "" ? {} : JSON.parse(text)) as Record<string, unknown> };
  };

  beforeAll(async () => {
    api = await startFakePlaceholderApi(GOOD_KEY);
    t = await startTestServer(backend);
    otherKey = await t.createKey(["connections"], "someone-else");
  });
  afterAll(async () => {
    await t?.stop();
    await api?.close();
  });

  let connectionId = "";

  it("starts a pending API-key connection (201), and returns the same one again (200)", async () => {
    const first = await call("POST", "/api/v1/connections", {
      connectorSlug: "placeholder-api",
      label: "Work",
    });
    expect(first.status).toBe(201);
    const connection = first.json.connection as ConnectionJson;
    expect(connection).toMatchObject({ status: "pending", connectorSlug: "placeholder-api", label: "Work" });
    expect(first.json.credentialSubmitUrl).toBe(
      `http://localhost:0/api/v1/connections/${connection.id}/credentials`,
    );
    expect(first.json.oauthUrl).toBe("");
    expect(first.json.created).toBe(true);
    connectionId = connection.id;
    const again = await call("POST", "/api/v1/connections", {
      connectorSlug: "placeholder-api",
      label: "Work",
    });
    expect(again.status).toBe(200);
    expect((again.json.connection as ConnectionJson).id).toBe(connectionId);
    expect(again.json.credentialSubmitUrl).toBe(first.json.credentialSubmitUrl);
  });

  it("refuses a missing, unknown or connectionless connector with a reason", async () => {
    const missing = await call("POST", "/api/v1/connections", {});
    expect(missing).toMatchObject({ status: 400, json: { message: "connector_slug is required" } });
    const unknown = await call("POST", "/api/v1/connections", { connectorSlug: "nope" });
    expect(unknown.status).toBe(400);
    const none = await call("POST", "/api/v1/connections", { connectorSlug: "http" });
    expect(none).toMatchObject({
      status: 400,
      json: { message: "this connector needs no connection: execute it by its slug" },
    });
  });

  it("keeps the connection pending with last_error when the connector's test command fails", async () => {
    const refused = await call("POST", `/api/v1/connections/${connectionId}/credentials`, {
      credentials: { baseUrl: api.baseUrl, apiKey: BAD_KEY },
    });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({
      code: "failed_precondition",
      message: "credential test failed: Placeholder API error (401)",
    });
    const after = await call("GET", `/api/v1/connections/${connectionId}`);
    expect(after.json.connection).toMatchObject({
      status: "pending",
      lastError: "credential test failed: Placeholder API error (401)",
    });
  });

  it("validates credential fields by name", async () => {
    const bad = await call("POST", `/api/v1/connections/${connectionId}/credentials`, {
      credentials: { apiKey: 5, other: 1 },
    });
    expect(bad.status).toBe(400);
    const message = String(bad.json.message);
    expect(message.startsWith("credentials are invalid: other is not a connection field; ")).toBe(true);
    expect(message).toContain("baseUrl is required");
    expect(message).toContain("apiKey must be a string");
  });

  it("activates the connection when the test command passes", async () => {
    const ok = await call("POST", `/api/v1/connections/${connectionId}/credentials`, {
      credentials: { baseUrl: api.baseUrl, apiKey: GOOD_KEY },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.connection).toMatchObject({ id: connectionId, status: "active" });
    expect((ok.json.connection as ConnectionJson).lastError).toBe("");
    expect(api.requests.some((r) => r.path === "/health")).toBe(true);
  });

  it("lists the caller's connections newest first, paged, and hides them from other subjects", async () => {
    const second = await call("POST", "/api/v1/connections", {
      connectorSlug: "placeholder-api",
      label: "Home",
    });
    const secondId = (second.json.connection as ConnectionJson).id;
    const page1 = await call("GET", "/api/v1/connections?pageSize=1");
    expect((page1.json.connections as ConnectionJson[]).map((c) => c.id)).toEqual([secondId]);
    const page2 = await call(
      "GET",
      `/api/v1/connections?pageSize=1&pageToken=${String(page1.json.nextPageToken)}`,
    );
    expect((page2.json.connections as ConnectionJson[]).map((c) => c.id)).toEqual([connectionId]);
    expect(page2.json.nextPageToken).toBe("");
    const active = await call("GET", "/api/v1/connections?status=active");
    expect((active.json.connections as ConnectionJson[]).map((c) => c.id)).toEqual([connectionId]);

    const theirs = await call("GET", `/api/v1/connections/${connectionId}`, undefined, otherKey);
    expect(theirs).toMatchObject({
      status: 404,
      json: { code: "not_found", message: "connection not found" },
    });
    const theirList = await call("GET", "/api/v1/connections", undefined, otherKey);
    expect(theirList.json.connections).toEqual([]);
    expect((await call("GET", "/api/v1/connections/not-a-uuid")).status).toBe(400);
    expect((await call("GET", "/api/v1/connections", undefined, "")).status).toBe(401);
  });

  it("revokes and soft-deletes, destroying the credentials", async () => {
    const deleted = await call("DELETE", `/api/v1/connections/${connectionId}`);
    expect(deleted).toEqual({ status: 200, json: { deleted: true } });
    expect((await call("GET", `/api/v1/connections/${connectionId}`)).status).toBe(404);
    const rows = await t.server.db
      .em()
      .getConnection()
      .execute(`select status, sealed_credentials, deleted_at from connections where id = '${connectionId}'`);
    expect(rows[0]).toMatchObject({ status: "revoked", sealed_credentials: null });
  });

  it("never returns or logs a planted credential", () => {
    const everything = responses.join("\n") + t.logs.text();
    expect(everything).not.toContain(GOOD_KEY);
    expect(everything).not.toContain(BAD_KEY);
  });
});
