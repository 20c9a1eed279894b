import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyService } from "../../gen/patchbay/v1/api_keys_pb.ts";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ConnectionService } from "../../gen/patchbay/v1/connection_pb.ts";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { type InProcess, startInProcess } from "../support/in-process.ts";

// The level between unit and end to end: the real composition and interceptors over a real database,
// called in process through a router transport (no port, no HTTP). Fast enough to cover every service's
// happy path and its refusals from another tenant's side.

const SCHEMA = {
  connectionConfig: { token: { type: "string", required: true, secret: true } },
  commands: { hello: { params: [], description: "Says hello", outputs: ["greeting"] } },
};
const SCRIPT = `function hello() { return { success: true, payload: { greeting: "hi" } }; }`;

async function refusal(call: () => Promise<unknown>): Promise<Code | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    return error instanceof ConnectError ? error.code : undefined;
  }
}

describe("the services in process, through a router transport", () => {
  let p: InProcess;
  let alice: string;
  let mallory: string;
  const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
  const catalog = () => createClient(CatalogService, p.transport);
  const connections = () => createClient(ConnectionService, p.transport);
  const execute = () => createClient(ExecuteService, p.transport);

  beforeAll(async () => {
    p = await startInProcess();
    const scopes = ["catalog:read", "catalog:write", "connections", "execute", "webhooks:admin"];
    alice = await p.createKey(scopes, "alice", "tenant-a");
    mallory = await p.createKey(scopes, "mallory", "tenant-b");
  });
  afterAll(async () => {
    await p?.close();
  });

  it("refuses a call without a key as UNAUTHENTICATED, before any handler runs", async () => {
    expect(await refusal(() => catalog().listConnectors({}))).toBe(Code.Unauthenticated);
    expect(await refusal(() => catalog().listConnectors({}, as("pk-not-a-key")))).toBe(Code.Unauthenticated);
  });

  it("refuses a key without the procedure's scope as PERMISSION_DENIED", async () => {
    const reader = await p.createKey(["catalog:read"], "reader", "tenant-a");
    expect(
      await refusal(() =>
        execute().execute({ target: { case: "connectorSlug", value: "delay" }, command: "wait" }, as(reader)),
      ),
    ).toBe(Code.PermissionDenied);
    expect(await refusal(() => createClient(ApiKeyService, p.transport).listApiKeys({}, as(reader)))).toBe(
      Code.PermissionDenied,
    );
  });

  it("lists the built-in catalog", async () => {
    const listed = await catalog().listConnectors({ pageSize: 100 }, as(alice));
    expect(listed.connectors.map((c) => c.slug)).toEqual(expect.arrayContaining(["echo", "delay", "http"]));
  });

  it("creates a script connector, connects it and executes it; the other tenant reaches none of it", async () => {
    await catalog().createConnector(
      { name: "greeter", executionModel: "script", configSchema: SCHEMA, scriptSource: SCRIPT },
      as(alice),
    );
    const started = await connections().startConnection({ connectorSlug: "greeter" }, as(alice));
    const connectionId = started.connection?.id ?? "";
    await connections().submitCredentials({ id: connectionId, credentials: { token: "t-1" } }, as(alice));
    const run = await execute().execute(
      { target: { case: "connectionId", value: connectionId }, command: "hello" },
      as(alice),
    );
    expect(run.payload).toEqual({ greeting: "hi" });
    const record = await execute().getExecution({ id: run.executionId }, as(alice));
    expect(record.execution?.command).toBe("hello");

    // From the other tenant's side: the connector, the connection and the record do not exist.
    expect(await refusal(() => catalog().getConnector({ slug: "greeter" }, as(mallory)))).toBe(Code.NotFound);
    expect(await refusal(() => connections().getConnection({ id: connectionId }, as(mallory)))).toBe(
      Code.NotFound,
    );
    expect(
      await refusal(() =>
        execute().execute(
          { target: { case: "connectionId", value: connectionId }, command: "hello" },
          as(mallory),
        ),
      ),
    ).toBe(Code.NotFound);
    expect(await refusal(() => execute().getExecution({ id: run.executionId }, as(mallory)))).toBe(
      Code.NotFound,
    );
    const theirs = await execute().listExecutions({}, as(mallory));
    expect(theirs.executions).toEqual([]);
  });

  it("creates a webhook endpoint visible only to its tenant", async () => {
    const webhooks = createClient(WebhookService, p.transport);
    const created = await webhooks.createEndpoint(
      { provider: "github", connectorSlug: "github", secret: "whsec-in-process" },
      as(alice),
    );
    const id = created.endpoint?.id ?? "";
    expect(id).not.toBe("");
    expect((await webhooks.getEndpoint({ endpointId: id }, as(alice))).endpoint?.provider).toBe("github");
    expect(await refusal(() => webhooks.getEndpoint({ endpointId: id }, as(mallory)))).toBe(Code.NotFound);
    expect((await webhooks.listEndpoints({}, as(mallory))).endpoints).toEqual([]);
  });

  it("refuses a job state outside the closed set, names on Object's prototype included", async () => {
    const webhooks = createClient(WebhookService, p.transport);
    for (const state of ["bogus", "toString", "__proto__", "constructor"]) {
      expect(await refusal(() => webhooks.listJobs({ state }, as(alice)))).toBe(Code.InvalidArgument);
    }
    expect((await webhooks.listJobs({ state: "dead" }, as(alice))).jobs).toEqual([]);
  });

  it("pages executions and connections newest first, each row once, with tokens bound to their list", async () => {
    const pager = await p.createKey(["catalog:read", "connections", "execute"], "pager", "tenant-p");
    for (let i = 0; i < 5; i++) {
      await execute().execute(
        { target: { case: "connectorSlug", value: "delay" }, command: "wait" },
        as(pager),
      );
      await connections().startConnection({ connectorSlug: "placeholder-api", label: `c${i}` }, as(pager));
    }
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await execute().listExecutions({ pageSize: 2, pageToken }, as(pager));
      expect(page.executions.length).toBeLessThanOrEqual(2);
      seen.push(...page.executions.map((e) => e.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    const connectionIds: string[] = [];
    pageToken = "";
    do {
      const page = await connections().listConnections({ pageSize: 2, pageToken }, as(pager));
      connectionIds.push(...page.connections.map((c) => c.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(new Set(connectionIds).size).toBe(5);
    const first = await execute().listExecutions({ pageSize: 2 }, as(pager));
    // A token is bound to its list and filter: another list or filter refuses it.
    expect(
      await refusal(() =>
        connections().listConnections({ pageSize: 2, pageToken: first.nextPageToken }, as(pager)),
      ),
    ).toBe(Code.InvalidArgument);
    expect(
      await refusal(() =>
        execute().listExecutions(
          { pageSize: 2, status: "failed", pageToken: first.nextPageToken },
          as(pager),
        ),
      ),
    ).toBe(Code.InvalidArgument);
  });

  it("lets one of many racing creates of a name win; the others are ALREADY_EXISTS, never INTERNAL", async () => {
    const create = () =>
      catalog().createConnector(
        { name: "racer", executionModel: "script", configSchema: SCHEMA, scriptSource: SCRIPT },
        as(alice),
      );
    const codes = await Promise.all(Array.from({ length: 6 }, () => refusal(create)));
    expect(codes.filter((code) => code === undefined)).toHaveLength(1);
    expect(codes.filter((code) => code !== undefined)).toEqual(Array(5).fill(Code.AlreadyExists));
  });
});
