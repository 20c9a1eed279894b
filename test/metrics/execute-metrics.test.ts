import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePrometheusText, type Sample, sampleValue } from "../support/prometheus-text.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const EXECUTIONS = "patchbay_executions_total";

// Execute's metrics after real calls: a built-in connector by name, its unknown command never under the
// caller's text, a tenant's own connector unnamed, failures by class, and idempotent replays.
describe("Execute's metrics", () => {
  let t: TestServer;
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
    t = await startTestServer("postgresql");
    key = await t.createKey(["execute", "catalog:write", "catalog:read"], "metrics-user");
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

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
});
