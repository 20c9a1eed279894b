import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// Execution records carry diagnostics and (opted in) payloads of one person's connection, so they are
// the subject's: another subject of the same tenant reads them only with an admin key, another tenant
// never. Idempotency keys are the subject's too: another subject's key neither replays nor blocks.

async function codeOf(call: () => Promise<unknown>): Promise<Code | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    return error instanceof ConnectError ? error.code : undefined;
  }
}

describe("execution records belong to their subject", () => {
  let t: TestServer;
  let alice = "";
  let bob = "";
  let admin = "";
  let stranger = "";
  let strangerAdmin = "";
  let aliceExecution = "";
  const client = () =>
    createClient(ExecuteService, createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }));
  const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
  const echo = (key: string, message: string, idempotencyKey = "") =>
    client().execute(
      {
        target: { case: "connectorSlug", value: "echo" },
        command: "echo",
        params: { message },
        metadata: { idempotencyKey },
      },
      as(key),
    );

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    alice = await t.createKey(["execute"], "alice");
    bob = await t.createKey(["execute"], "bob");
    admin = await t.createKey(["admin"], "operator");
    stranger = await t.createKey(["execute"], "alice", "another-tenant");
    strangerAdmin = await t.createKey(["admin"], "operator", "another-tenant");
    aliceExecution = (await echo(alice, "from alice")).executionId;
    await echo(bob, "from bob");
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("lists and gets only the caller's own records", async () => {
    const mine = await client().listExecutions({}, as(alice));
    expect(mine.executions.map((e) => e.id)).toEqual([aliceExecution]);
    const bobs = await client().listExecutions({}, as(bob));
    expect(bobs.executions.map((e) => e.id)).not.toContain(aliceExecution);
    expect(bobs.executions).toHaveLength(1);
    expect((await client().getExecution({ id: aliceExecution }, as(alice))).execution?.id).toBe(
      aliceExecution,
    );
    expect(await codeOf(() => client().getExecution({ id: aliceExecution }, as(bob)))).toBe(Code.NotFound);
  });

  it("shows an admin key every subject's records of its own tenant only", async () => {
    const all = await client().listExecutions({}, as(admin));
    expect(all.executions).toHaveLength(2);
    expect((await client().getExecution({ id: aliceExecution }, as(admin))).execution?.id).toBe(
      aliceExecution,
    );
    // Another tenant's keys, admin or the same subject name, see nothing.
    for (const key of [stranger, strangerAdmin]) {
      expect((await client().listExecutions({}, as(key))).executions).toHaveLength(0);
      expect(await codeOf(() => client().getExecution({ id: aliceExecution }, as(key)))).toBe(Code.NotFound);
    }
  });

  it("keeps idempotency keys per subject: another subject neither replays nor is blocked", async () => {
    const first = await echo(alice, "alice's secret answer", "same-key");
    const replay = await echo(alice, "alice's secret answer", "same-key");
    expect(replay.executionId).toBe(first.executionId);
    const bobs = await echo(bob, "bob's own", "same-key");
    expect(bobs.executionId).not.toBe(first.executionId);
    expect(JSON.stringify(bobs.payload)).not.toContain("alice");
    // A different request under Bob's key is Bob's conflict, not Alice's replay.
    expect(await codeOf(() => echo(bob, "something else", "same-key"))).toBe(Code.AlreadyExists);
  });

  it("stores a command's output that PostgreSQL would refuse, and replays it, under an idempotency key", async () => {
    const writer = await t.createKey(["catalog:write", "execute"], "alice");
    await createClient(
      CatalogService,
      createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    ).createConnector(
      {
        name: "nul-output",
        executionModel: "script",
        configSchema: {
          connectionConfig: {},
          commands: { go: { params: [], description: "d", outputs: [] } },
        },
        scriptSource:
          'function go() { return { success: true, payload: { text: "upstream said \\u0000 \\ud800" } }; }',
      },
      as(writer),
    );
    const run = () =>
      client().execute(
        {
          target: { case: "connectorSlug", value: "nul-output" },
          command: "go",
          metadata: { idempotencyKey: "nul-1" },
        },
        as(writer),
      );
    const first = await run();
    // The sandbox already answers a lone surrogate as U+FFFD; the NUL reaches the caller as sent.
    expect(first.payload).toEqual({ text: "upstream said \u0000 \ufffd" });
    const replay = await run();
    expect(replay.executionId).toBe(first.executionId);
    expect(replay.payload).toEqual({ text: "upstream said \ufffd \ufffd" });
  });
});
