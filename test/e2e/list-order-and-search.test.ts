import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionService } from "../../gen/patchbay/v1/connection_pb.ts";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// Issue 19 item 13: order_by (AIP-132) and q on ListConnections and ListExecutions, `?sort=&order=` on
// REST, total_size on ListConnections, page tokens bound to the order, and no other tenant's rows.
describe("ordering and searching lists over the wire", () => {
  let t: TestServer;
  let owner: string;
  let attacker: string;
  const labels = ["Work inbox", "Home 50%", "Side project"];

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    owner = await t.createKey(["connections", "execute"], "alice", "acme");
    attacker = await t.createKey(["connections", "execute"], "mallory", "evil");
    for (const label of labels) {
      const res = await rest("POST", "/api/v1/connections", owner, {
        connectorSlug: "placeholder-api",
        label,
      });
      expect(res.status).toBe(201);
    }
    // Executions: two runs of `wait` and one refused for a missing param (error code recorded).
    for (const body of [
      { command: "wait", params: { delayMs: 1 } },
      { command: "wait", params: { delayMs: 2 } },
      { command: "wait", params: { delayMs: "soon" } },
    ]) {
      await rest("POST", "/api/v1/connectors/delay/execute", owner, body);
    }
  });
  afterAll(async () => {
    await t?.stop();
  });

  function rest(method: string, path: string, key: string, body?: unknown): Promise<Response> {
    return fetch(`${t.url}${path}`, {
      method,
      headers: { "x-api-key": key, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }
  async function restJson<T>(path: string, key: string): Promise<{ status: number; body: T }> {
    const res = await rest("GET", path, key);
    return { status: res.status, body: (await res.json()) as T };
  }
  const connectionClient = () =>
    createClient(ConnectionService, createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }));
  const executeClient = () =>
    createClient(ExecuteService, createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }));
  const connections = (key = owner) => ({
    list: (req: Parameters<ReturnType<typeof connectionClient>["listConnections"]>[0]) =>
      connectionClient().listConnections(req, { headers: { "x-api-key": key } }),
  });

  describe("ListConnections", () => {
    it("lists newest first by default and oldest first with order_by create_time (Connect)", async () => {
      const newest = await connections().list({});
      expect(newest.connections.map((c) => c.label)).toEqual([...labels].reverse());
      expect(newest.totalSize).toBe(3);
      const oldest = await connections().list({ orderBy: "create_time asc" });
      expect(oldest.connections.map((c) => c.label)).toEqual(labels);
      expect((await connections().list({ orderBy: "create_time" })).connections.map((c) => c.label)).toEqual(
        labels,
      );
    });

    it("pages in the requested order, and refuses a token under another order", async () => {
      const first = await connections().list({ orderBy: "create_time asc", pageSize: 2 });
      expect(first.connections.map((c) => c.label)).toEqual(labels.slice(0, 2));
      expect(first.totalSize).toBe(3);
      const second = await connections().list({
        orderBy: "create_time asc",
        pageSize: 2,
        pageToken: first.nextPageToken,
      });
      expect(second.connections.map((c) => c.label)).toEqual(labels.slice(2));
      expect(second.nextPageToken).toBe("");
      await expect(
        connections().list({ orderBy: "create_time desc", pageSize: 2, pageToken: first.nextPageToken }),
      ).rejects.toMatchObject({ code: Code.InvalidArgument });
      await expect(connections().list({ pageSize: 2, pageToken: first.nextPageToken })).rejects.toMatchObject(
        {
          code: Code.InvalidArgument,
        },
      );
    });

    it("refuses an order outside the allow-list, naming the field and the allowed values", async () => {
      const error = await connections()
        .list({ orderBy: "label" })
        .then(() => undefined, ConnectError.from);
      expect(error?.code).toBe(Code.InvalidArgument);
      expect(error?.rawMessage).toContain("order_by");
      expect(error?.rawMessage).toContain("create_time, create_time asc, create_time desc");
    });

    it("searches the label and the connector slug, case-insensitively and literally", async () => {
      expect((await connections().list({ q: "HOME" })).connections.map((c) => c.label)).toEqual(["Home 50%"]);
      expect((await connections().list({ q: "50%" })).totalSize).toBe(1);
      expect((await connections().list({ q: "%" })).totalSize).toBe(1);
      expect((await connections().list({ q: "placeholder" })).totalSize).toBe(3);
      expect((await connections().list({ q: "nothing-like-it" })).connections).toEqual([]);
    });

    it("maps ?sort=created_at&order= on REST, and refuses a bad pair", async () => {
      type Page = { connections: { label: string }[]; totalSize: number };
      const asc = await restJson<Page>("/api/v1/connections?sort=created_at&order=asc", owner);
      expect(asc.status).toBe(200);
      expect(asc.body.connections.map((c) => c.label)).toEqual(labels);
      expect(asc.body.totalSize).toBe(3);
      const desc = await restJson<Page>("/api/v1/connections?sort=created_at&order=desc&q=o", owner);
      expect(desc.body.connections.map((c) => c.label)).toEqual(["Side project", "Home 50%", "Work inbox"]);
      const aip = await restJson<Page>("/api/v1/connections?order_by=create_time%20asc", owner);
      expect(aip.body.connections.map((c) => c.label)).toEqual(labels);
      for (const query of [
        "sort=label",
        "sort=created_at&order=up",
        "order=desc",
        "sort=created_at&order_by=create_time",
      ]) {
        const res = await restJson<{ code: string; message: string }>(`/api/v1/connections?${query}`, owner);
        expect(res.status, query).toBe(400);
        expect(res.body.code, query).toBe("invalid_argument");
      }
    });

    it("never shows another tenant's connections through q, order or count", async () => {
      for (const req of [{ q: "Home" }, { q: "placeholder" }, { orderBy: "create_time asc" }, {}]) {
        const page = await connections(attacker).list(req);
        expect(page.connections).toEqual([]);
        expect(page.totalSize).toBe(0);
      }
      const res = await restJson<{ connections?: unknown[]; totalSize?: number }>(
        "/api/v1/connections?sort=created_at&order=asc&q=Work",
        attacker,
      );
      expect(res.status).toBe(200);
      expect(res.body.connections ?? []).toEqual([]);
    });
  });

  describe("ListExecutions", () => {
    const list = (req: Parameters<ReturnType<typeof executeClient>["listExecutions"]>[0], key = owner) =>
      executeClient().listExecutions(req, { headers: { "x-api-key": key } });

    it("orders by create_time both ways and pages within the order (Connect)", async () => {
      const newest = await list({});
      expect(newest.executions).toHaveLength(3);
      const oldest = await list({ orderBy: "create_time asc" });
      expect(oldest.executions.map((e) => e.id)).toEqual(newest.executions.map((e) => e.id).reverse());
      const first = await list({ orderBy: "create_time asc", pageSize: 1 });
      const second = await list({ orderBy: "create_time asc", pageSize: 1, pageToken: first.nextPageToken });
      expect([first.executions[0]?.id, second.executions[0]?.id]).toEqual(
        oldest.executions.slice(0, 2).map((e) => e.id),
      );
      await expect(list({ pageSize: 1, pageToken: first.nextPageToken })).rejects.toMatchObject({
        code: Code.InvalidArgument,
      });
      await expect(list({ orderBy: "duration desc" })).rejects.toMatchObject({ code: Code.InvalidArgument });
    });

    it("searches the connector, the command and the error code", async () => {
      const failed = (await list({})).executions.find((e) => e.status === "failed");
      expect(failed?.errorCode).not.toBe("");
      expect((await list({ q: "DELAY" })).executions).toHaveLength(3);
      expect((await list({ q: "wai" })).executions).toHaveLength(3);
      const byCode = await list({ q: failed?.errorCode.toLowerCase() ?? "" });
      expect(byCode.executions.map((e) => e.id)).toEqual([failed?.id]);
      expect((await list({ q: "_" })).executions.map((e) => e.id)).toEqual(
        failed?.errorCode.includes("_") ? [failed.id] : [],
      );
    });

    it("filters by the exact command and error code, on Connect and REST", async () => {
      const failed = (await list({})).executions.find((e) => e.status === "failed");
      const code = failed?.errorCode ?? "";
      expect(code).not.toBe("");
      expect((await list({ command: "wait" })).executions).toHaveLength(3);
      expect((await list({ command: "wai" })).executions).toEqual([]);
      expect((await list({ errorCode: code })).executions.map((e) => e.id)).toEqual([failed?.id]);
      expect((await list({ errorCode: code.toLowerCase() })).executions).toEqual([]);
      expect((await list({ command: "wait", status: "succeeded" })).executions).toHaveLength(2);
      const rested = await restJson<{ executions: { id: string }[] }>(
        `/api/v1/executions?command=wait&errorCode=${encodeURIComponent(code)}`,
        owner,
      );
      expect(rested.status).toBe(200);
      expect(rested.body.executions.map((e) => e.id)).toEqual([failed?.id]);
      // A page token is bound to the filters it was made under.
      const first = await list({ command: "wait", pageSize: 1 });
      await expect(
        list({ command: "other", pageSize: 1, pageToken: first.nextPageToken }),
      ).rejects.toMatchObject({ code: Code.InvalidArgument });
      await expect(list({ errorCode: "x".repeat(101) })).rejects.toMatchObject({
        code: Code.InvalidArgument,
      });
      expect((await list({ errorCode: code }, attacker)).executions).toEqual([]);
    });

    it("maps ?sort=created_at&order=asc on REST and hides other tenants' runs", async () => {
      type Page = { executions: { id: string }[] };
      const asc = await restJson<Page>("/api/v1/executions?sort=created_at&order=asc", owner);
      expect(asc.status).toBe(200);
      const oldest = await list({ orderBy: "create_time asc" });
      expect(asc.body.executions.map((e) => e.id)).toEqual(oldest.executions.map((e) => e.id));
      for (const req of [{ q: "delay" }, { orderBy: "create_time asc" }]) {
        expect((await list(req, attacker)).executions).toEqual([]);
      }
      const theirs = await restJson<Page>("/api/v1/executions?sort=created_at&order=desc&q=wait", attacker);
      expect(theirs.status).toBe(200);
      expect(theirs.body.executions ?? []).toEqual([]);
    });
  });
});
