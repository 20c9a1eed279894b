import { availableParallelism } from "node:os";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { DEFAULT_SENT_PER_SLOT, tenantShare } from "../../src/connectors/script/index.ts";
import { type HoldingUpstream, startHoldingUpstream } from "../connectors/script/holding-upstream.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const PROCESSES = 2;
/** Isolates each sandbox process runs at once (the server's default: isolated-vm's thread pool). */
const SLOTS = Math.max(2, availableParallelism() + 1);
/** Isolates one tenant may hold at once, over the processes. */
const SHARE = PROCESSES * tenantShare(SLOTS);
/** Executions the processes are sent at most, over all tenants. */
const CAPACITY = PROCESSES * SLOTS * DEFAULT_SENT_PER_SLOT;

type Settled = { ok: true } | { ok: false; code: number; errorCode: string | undefined; message: string };

describe("one tenant's scripts holding isolates, from the other tenants' side, over the wire", () => {
  let t: TestServer;
  let upstream: HoldingUpstream;
  let attacker = "";
  let victim = "";

  function execute(key: string, slug: string, timeoutMs: number): Promise<Settled> {
    return createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url }))
      .execute(
        { target: { case: "connectorSlug", value: slug }, command: "run", metadata: { timeoutMs } },
        { headers: { authorization: `Bearer ${key}` } },
      )
      .then(
        (): Settled => ({ ok: true }),
        (error: unknown): Settled => {
          const e = ConnectError.from(error);
          const [detail] = e.findDetails(ExecutionFailureSchema);
          return { ok: false, code: e.code, errorCode: detail?.errorCode, message: e.rawMessage };
        },
      );
  }

  async function createScript(key: string, name: string, source: string): Promise<void> {
    const res = await fetch(`${t.url}/api/v1/connectors`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        name,
        executionModel: "script",
        configSchema: {
          connectionConfig: {},
          commands: { run: { params: [], description: "x", outputs: ["ok"], paramSchema: {} } },
        },
        scriptSource: source,
        scriptLimits: { wallMs: 300_000 },
      }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
  }

  beforeAll(async () => {
    upstream = await startHoldingUpstream();
    t = await startTestServer("postgresql", {
      PATCHBAY_SCRIPT_PROCESSES: String(PROCESSES),
      PATCHBAY_EGRESS_ALLOW: "127.0.0.1",
      // The attacker mints keys as it pleases: what is tested is the sandbox, not the per-key limit.
      PATCHBAY_CONCURRENCY_LIMITS: "off",
      // Room for every execution of the test to wait in the service, however many cores run it.
      PATCHBAY_SCRIPT_QUEUE_MAX: String(CAPACITY),
    });
    attacker = await t.createKey(["catalog:write", "execute"], "mallory", "tenant-attacker");
    victim = await t.createKey(["catalog:write", "execute"], "bob", "tenant-victim");
    // Held at the upstream until the test releases it: an isolate held using no CPU, as long as the
    // attacker likes (a promise that never settles does the same, up to the wall time).
    await createScript(
      attacker,
      "hold",
      `function run() { return { payload: { ok: patchbay.http.get(${JSON.stringify(`${upstream.origin}/hold`)}).status } }; }`,
    );
    await createScript(victim, "quick", "function run() { return { payload: { ok: true } }; }");
  });
  afterAll(async () => {
    upstream?.release();
    await t?.stop();
    await upstream?.close();
  });

  it("runs another tenant's script while the attacker holds its share; the attacker's other executions wait, then run", async () => {
    // More than the processes could all be sent: the attacker's executions wait in the processes (up to
    // its share of what they are sent) and in the service.
    const total = CAPACITY + 4;
    const held = Array.from({ length: total }, () => execute(attacker, "hold", 240_000));
    await expect.poll(() => upstream.held(), { timeout: 60_000 }).toBe(SHARE);

    // Every isolate the attacker may hold is held, the rest of its executions wait: the victim's runs.
    expect(await execute(victim, "quick", 120_000)).toEqual({ ok: true });
    expect(await execute(victim, "quick", 120_000)).toEqual({ ok: true });
    expect(upstream.arrived()).toBe(SHARE);

    // Once the upstream answers, the attacker's waiting executions get isolates as they free: all run.
    upstream.release();
    expect(await Promise.all(held)).toEqual(Array(total).fill({ ok: true }));
    expect(upstream.arrived()).toBe(total);
  }, 300_000);
});
