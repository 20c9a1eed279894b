import { availableParallelism } from "node:os";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { DEFAULT_SENT_PER_SLOT, tenantQueueShare, tenantShare } from "../../src/connectors/script/index.ts";
import { type HoldingUpstream, startHoldingUpstream } from "../connectors/script/holding-upstream.ts";
import { bearer, grpc, loadPatchbayProtos, unary } from "../support/grpc-js-client.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const PROCESSES = 2;
const QUEUE_MAX = 4;
/**
 * Executions of one tenant (the admin key's) the sandbox runs at once: its share of each process's
 * isolated-vm thread pool (cores + 1) of isolates.
 */
const RUNNING = PROCESSES * tenantShare(Math.max(2, availableParallelism() + 1));
/** Executions of one tenant the sandbox holds: each process is sent up to DEFAULT_SENT_PER_SLOT per isolate of its share. */
const CAPACITY = DEFAULT_SENT_PER_SLOT * RUNNING;
/** Executions of one tenant that wait in the service's queue: its share of QUEUE_MAX. */
const QUEUED = tenantQueueShare(QUEUE_MAX);

type Settled = { ok: true } | { ok: false; code: Code; errorCode: string | undefined };

describe("script executions beyond the sandbox's capacity, over the wire", () => {
  let t: TestServer;
  let upstream: HoldingUpstream;
  const transport = () => createGrpcTransport({ baseUrl: t.url });
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });

  function execute(command: string, timeoutMs = 60_000): Promise<Settled> {
    return createClient(ExecuteService, transport())
      .execute(
        { target: { case: "connectorSlug", value: "slow-upstream" }, command, metadata: { timeoutMs } },
        { headers: headers() },
      )
      .then(
        (): Settled => ({ ok: true }),
        (error: unknown): Settled => {
          if (!(error instanceof ConnectError)) throw error;
          const [detail] = error.findDetails(ExecutionFailureSchema);
          return { ok: false, code: error.code, errorCode: detail?.errorCode };
        },
      );
  }

  /** The log lines of a sandbox process killed as hung, exited, or that lost an isolate. */
  const killed = () =>
    t.logs
      .lines()
      .filter((line) =>
        /script sandbox process (stopped answering|exited|lost an isolate)/.test(String(line.msg)),
      );

  beforeAll(async () => {
    upstream = await startHoldingUpstream();
    t = await startTestServer("postgresql", {
      PATCHBAY_SCRIPT_PROCESSES: String(PROCESSES),
      PATCHBAY_SCRIPT_QUEUE_MAX: String(QUEUE_MAX),
      // What is tested is the sandbox's own refusal: the server's per-key and load shedding stay out of it.
      PATCHBAY_CONCURRENCY_LIMITS: "off",
      PATCHBAY_SHED_EVENT_LOOP_DELAY_MS: "0",
      PATCHBAY_SHED_DB_WAITING: "0",
    });
    const created = await fetch(`${t.url}/api/v1/connectors`, {
      method: "POST",
      headers: { ...headers(), "content-type": "application/json" },
      body: JSON.stringify({
        name: "slow-upstream",
        executionModel: "script",
        configSchema: {
          connectionConfig: {},
          commands: {
            wait: { params: [], description: "Waits on the upstream", outputs: ["status"], paramSchema: {} },
            quick: { params: [], description: "Answers at once", outputs: ["quick"], paramSchema: {} },
          },
        },
        scriptSource: `function wait() { return { payload: { status: patchbay.http.get(${JSON.stringify(`${upstream.origin}/hold`)}).status } }; }
function quick() { return { payload: { quick: true } }; }`,
      }),
    });
    expect(created.status).toBe(200);
    // Both sandbox processes start (one per execution until there are PROCESSES).
    for (let i = 0; i < PROCESSES; i++) expect(await execute("quick")).toEqual({ ok: true });
  });
  afterAll(async () => {
    upstream?.release();
    await t?.stop();
    await upstream?.close();
  });

  it("runs what fits, queues up to the tenant's share of the cap and refuses the rest with RESOURCE_EXHAUSTED; nothing is killed", async () => {
    upstream.hold();
    const extra = 6;
    const total = CAPACITY + QUEUED + extra;
    const refused: Settled[] = [];
    const calls = Array.from({ length: total }, () =>
      execute("wait").then((settled) => {
        if (!settled.ok && settled.code === Code.ResourceExhausted) refused.push(settled);
        return settled;
      }),
    );
    // Every isolate holds a request at the upstream; the queue is full; the rest were answered.
    await expect.poll(() => [upstream.held(), refused.length], { timeout: 20_000 }).toEqual([RUNNING, extra]);
    expect(refused).toEqual(
      Array(extra).fill({ ok: false, code: Code.ResourceExhausted, errorCode: "SCRIPT_QUEUE_FULL" }),
    );
    const pids = t.server.sandbox.pids();
    expect(pids).toHaveLength(PROCESSES);

    upstream.release();
    const settled = await Promise.all(calls);
    // First, so that a failure names the process that was lost (its pid, exit code and signal).
    expect(killed()).toEqual([]);
    expect(settled.filter((s) => s.ok)).toHaveLength(CAPACITY + QUEUED);
    expect(await execute("quick")).toEqual({ ok: true });
    expect(t.server.sandbox.pids()).toEqual(pids);
  });

  it("drops waiting executions whose deadline passed instead of running them late; the next Execute succeeds", async () => {
    const pids = t.server.sandbox.pids();
    upstream.hold();
    // Four rounds of what the sandbox runs at once, each waiting on the upstream until its 2 s deadline:
    // run one after another they would need 8 s, well past the deadline of all but the first round.
    const calls = Array.from({ length: 4 * RUNNING }, () => execute("wait", 2000));
    const settled = await Promise.all(calls);
    // First, so that a failure names the process that was lost (its pid, exit code and signal). An
    // UNAVAILABLE below without such a line is the process's "the script sandbox failed" (errorCode
    // SCRIPT_SANDBOX_LOST) or, without an errorCode, the client's connection.
    expect(killed()).toEqual([]);
    for (const outcome of settled) {
      expect(outcome).toMatchObject({
        ok: false,
        code: expect.toSatisfy(
          (code: Code) => code === Code.DeadlineExceeded || code === Code.ResourceExhausted,
        ),
      });
    }
    // Over @grpc/grpc-js, with the upstream still holding: the next, unrelated Execute runs at once, on
    // the same processes. (Had the waiting executions run after their deadline, it would wait behind
    // rounds of them, each held by the upstream until its wall time.)
    const v1 = (loadPatchbayProtos().patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject;
    const Client = v1.ExecuteService as unknown as new (a: string, c: grpc.ChannelCredentials) => grpc.Client;
    const native = new Client(`127.0.0.1:${t.port}`, grpc.credentials.createInsecure());
    try {
      const { response } = await unary<{ payload: { fields: Record<string, unknown> } }>(
        native,
        "execute",
        { connectorSlug: "slow-upstream", command: "quick" },
        bearer(t.adminKey),
      );
      expect(response.payload.fields.quick).toMatchObject({ boolValue: true });
    } finally {
      native.close();
    }
    upstream.release();
    expect(t.server.sandbox.pids()).toEqual(pids);
    expect(killed()).toEqual([]);
  });
});
