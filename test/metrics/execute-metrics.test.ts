import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FakePlaceholderApi,
  startFakePlaceholderApi,
} from "../connectors/builtin/fake-placeholder-api.ts";
import { parsePrometheusText, type Sample, sampleValue } from "../support/prometheus-text.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const EXECUTIONS = "patchbay_executions_total";
const MOCKED = "patchbay_mocked_executions_total";
const DURATION_COUNT = "patchbay_execution_duration_seconds_count";
const API_KEY = "pk-metrics-5678";

// Execute's metrics after real calls: a built-in connector by name, its unknown command never under the
// caller's text, a tenant's own connector unnamed, failures by class, and idempotent replays.
describe("Execute's metrics", () => {
  let t: TestServer;
  let api: FakePlaceholderApi;
  let key = "";
  const scrape = async (): Promise<Sample[]> =>
    parsePrometheusText(await (await fetch(`${t.url}/metrics`)).text());
  const execute = async (body: unknown, idempotencyKey?: string) => {
    const res = await fetch(`${t.url}/patchbay.v1.ExecuteService/Execute`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        ...(idempotencyKey === undefined ? {} : {}),
      },
      body: JSON.stringify(
        idempotencyKey === undefined ? body : { ...(body as object), metadata: { idempotencyKey } },
      ),
    });
    await res.arrayBuffer();
    return res.status;
  };

  beforeAll(async () => {
    api = await startFakePlaceholderApi(API_KEY);
    t = await startTestServer("postgresql");
    key = await t.createKey(["execute", "connections", "catalog:write", "catalog:read"], "metrics-user");
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await api?.close();
  });
  const rest = async (path: string, body: unknown) => {
    const res = await fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  /** An active connection of `slug` against the fake API: its credential test runs (or is mocked). */
  const connect = async (slug: string) => {
    const started = await rest("/api/v1/connections", { connectorSlug: slug });
    const id = (started.json as { connection: { id: string } }).connection.id;
    const submitted = await rest(`/api/v1/connections/${id}/credentials`, {
      credentials: { baseUrl: api.baseUrl, apiKey: API_KEY },
    });
    expect(submitted.status).toBe(200);
    return id;
  };

  it("counts commands by connector, command, model and outcome, hiding tenants' names", async () => {
    const before = await scrape();
    expect(await execute({ connectorSlug: "echo", command: "echo", params: { message: "hi" } })).toBe(200);
    expect(await execute({ connectorSlug: "echo", command: "no-such-command-xyz" })).toBe(400);
    const created = await fetch(`${t.url}/api/v1/connectors`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "secret-crm-of-acme",
        executionModel: "script",
        scriptSource: "function ping() { return { success: true, payload: { ok: true } }; }",
        configSchema: { commands: { ping: { params: [], outputs: ["ok"] } } },
      }),
    });
    expect(created.status).toBeLessThan(300);
    await created.arrayBuffer();
    expect(await execute({ connectorSlug: "secret-crm-of-acme", command: "ping" })).toBe(200);
    // The same idempotency key twice: one run, one replay.
    const once = { connectorSlug: "echo", command: "echo", params: { message: "once" } };
    expect(await execute(once, "metrics-replay-1")).toBe(200);
    expect(await execute(once, "metrics-replay-1")).toBe(200);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    const echo = { connector: "echo", command: "echo", model: "built_in", outcome: "success" };
    expect(moved(EXECUTIONS, echo)).toBe(2);
    expect(
      moved(EXECUTIONS, {
        connector: "echo",
        command: "unknown",
        model: "built_in",
        outcome: "invalid_params",
      }),
    ).toBe(1);
    expect(
      moved(EXECUTIONS, { connector: "tenant", command: "tenant", model: "script", outcome: "success" }),
    ).toBe(1);
    expect(moved("patchbay_execute_replays_total")).toBe(1);
    expect(moved("patchbay_execution_duration_seconds_count", { connector: "echo", model: "built_in" })).toBe(
      3,
    );
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).not.toContain("secret-crm-of-acme");
    expect(text).not.toContain("no-such-command-xyz");
  }, 60_000);

  it("counts calls a mock scenario answered in a series of their own, apart from real runs and their time", async () => {
    const connectionId = await connect("placeholder-api");
    // A tenant's instance of the same type in mock mode: every command answers from "default".
    const instance = await rest("/api/v1/connectors", {
      name: "placeholder-mock-mode",
      type: "placeholder-api",
      executionModel: "built_in",
      mockScenario: "default",
    });
    expect(instance.status).toBeLessThan(300);
    const mockModeId = await connect("placeholder-mock-mode");

    const before = await scrape();
    const upstream = api.requests.length;
    const onConnection = (id: string, metadata?: object) => ({
      connectionId: id,
      command: "listPosts",
      ...(metadata === undefined ? {} : { metadata }),
    });
    expect(await execute(onConnection(connectionId, { mockScenario: "empty" }))).toBe(200);
    expect(await execute(onConnection(connectionId))).toBe(200);
    expect(await execute(onConnection(mockModeId))).toBe(200);
    expect(api.requests.length).toBe(upstream + 1);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    const listPosts = {
      connector: "placeholder-api",
      command: "listPosts",
      model: "built_in",
      outcome: "success",
    };
    const tenant = { connector: "tenant", command: "tenant", model: "built_in", outcome: "success" };
    expect(moved(EXECUTIONS, listPosts)).toBe(1);
    expect(moved(MOCKED, listPosts)).toBe(1);
    expect(moved(EXECUTIONS, tenant)).toBe(0);
    expect(moved(MOCKED, tenant)).toBe(1);
    // Only the real run's time is the connector's.
    expect(moved(DURATION_COUNT, { connector: "placeholder-api", model: "built_in" })).toBe(1);
    expect(moved(DURATION_COUNT, { connector: "tenant", model: "built_in" })).toBe(0);
  }, 60_000);
});
