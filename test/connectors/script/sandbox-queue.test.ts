import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSandbox,
  type SandboxEvent,
  type ScriptHttpRequest,
  type ScriptHttpResponse,
  type ScriptLimits,
  type ScriptResult,
} from "../../../src/connectors/script/index.ts";
import { type HoldingUpstream, startHoldingUpstream } from "./holding-upstream.ts";

// One process with two isolates (it is sent up to eight executions: four per isolate, where production
// sends sixteen) and room for three more waiting in the service; a process that answers no heartbeat for
// 3 s is hung (in production 10 s).
const events: SandboxEvent[] = [];
const sandbox = createSandbox({
  processes: 1,
  slotsPerProcess: 2,
  sentPerSlot: 4,
  queueMax: 3,
  hungAfterMs: 3000,
  onEvent: (event) => events.push(event),
});
afterAll(() => sandbox.close());

let upstream: HoldingUpstream;
beforeAll(async () => {
  upstream = await startHoldingUpstream();
});
afterAll(async () => {
  await upstream.close();
});

/** The service makes the script's calls, to the holding upstream only. */
async function http(request: ScriptHttpRequest): Promise<ScriptHttpResponse> {
  if (!request.url.startsWith(`${upstream.origin}/`))
    throw new Error("tests reach the holding upstream only");
  const init: RequestInit = { method: request.method };
  if (request.signal !== undefined) init.signal = request.signal;
  const response = await fetch(request.url, init);
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: await response.text(),
  };
}

const CALLS_UPSTREAM = `function test() {
  var r = patchbay.http.get(patchbay.config.upstream + "/hold");
  return { payload: { status: r.status } };
}`;
const QUICK = "function test() { return { payload: { quick: true } }; }";

function run(source: string, limits: Partial<ScriptLimits>, tenant = "tenant-q"): Promise<ScriptResult> {
  return sandbox.run(
    source,
    { command: "test", params: {}, config: { upstream: upstream.origin }, variables: {} },
    { tenant, http, limits },
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("sandbox under load", () => {
  it("runs what fits, answers waiting executions whose deadline passed without running them, refuses past the queue", async () => {
    expect(await run(QUICK, {})).toEqual({ success: true, payload: { quick: true } });
    const pids = sandbox.pids();
    upstream.hold();
    // Two executions, one per tenant (a tenant may hold one of the two), hold both isolates, waiting on
    // the upstream far longer than the heartbeat's limit.
    const holders = [
      run(CALLS_UPSTREAM, { wallMs: 60_000 }),
      run(CALLS_UPSTREAM, { wallMs: 60_000 }, "tenant-other"),
    ];
    await upstream.arrivals(upstream.arrived() + 2);
    const arrivedBefore = upstream.arrived();
    // Nine wait for an isolate (six sent ahead to the process, three of each tenant, up to its share of
    // what the process is sent; three here): their wall time runs out first, after the process has been
    // busy for longer than a hung one may stay silent.
    const waiters = Array.from({ length: 9 }, (_, i) =>
      run(i % 3 === 2 ? QUICK : CALLS_UPSTREAM, { wallMs: 4500 }, i % 2 === 0 ? "tenant-q" : "tenant-other"),
    );
    // The queue is full: the next ones are refused at once, without waiting for anything.
    expect(await Promise.all([run(QUICK, {}), run(QUICK, {}, "tenant-other")])).toEqual(
      Array(2).fill({
        success: false,
        error: "the script sandbox is at capacity (3 executions already waiting); retry later",
        errorCode: "SCRIPT_QUEUE_FULL",
      }),
    );
    expect(await Promise.all(waiters)).toEqual(
      Array(9).fill({
        success: false,
        error: "script waited longer than its wall time of 4500 ms for a free sandbox",
        errorCode: "SCRIPT_TIMEOUT",
      }),
    );
    upstream.release();
    expect(await Promise.all(holders)).toEqual(Array(2).fill({ success: true, payload: { status: 200 } }));
    // The waiters never ran (none reached the upstream), no process was taken for hung, and the next
    // execution runs at once on the same process.
    expect(upstream.arrived()).toBe(arrivedBefore);
    expect(events).toEqual([]);
    expect(await run(QUICK, {})).toEqual({ success: true, payload: { quick: true } });
    expect(sandbox.pids()).toEqual(pids);
  });

  it("runs another tenant's execution that has room at once, though the queue is full of one tenant's", async () => {
    upstream.hold();
    // One tenant holds its share (one isolate of two), is sent its share of the process's room (four)
    // and fills the service's queue (three) with executions that have no room anywhere.
    const flood = Array.from({ length: 7 }, () => run(CALLS_UPSTREAM, { wallMs: 60_000 }, "tenant-flood"));
    await upstream.arrivals(upstream.arrived() + 1);
    expect(await run(QUICK, {}, "tenant-flood")).toMatchObject({ errorCode: "SCRIPT_QUEUE_FULL" });
    // Another tenant, whose share of the process is free, is not held behind them.
    expect(await run(QUICK, {}, "tenant-calm")).toEqual({ success: true, payload: { quick: true } });
    upstream.release();
    expect(await Promise.all(flood)).toEqual(Array(7).fill({ success: true, payload: { status: 200 } }));
  });

  it("kills a process that stops answering heartbeats, as hung, and serves the next execution on a new one", async () => {
    upstream.hold();
    const held = run(CALLS_UPSTREAM, { wallMs: 60_000 });
    await upstream.arrivals(upstream.arrived() + 1);
    const [pid] = sandbox.pids();
    // A stopped process answers nothing: its event loop cannot run.
    process.kill(pid as number, "SIGSTOP");
    expect(await held).toEqual({
      success: false,
      error: "the script sandbox stopped",
      errorCode: "SCRIPT_SANDBOX_LOST",
    });
    expect(events).toEqual([{ kind: "process-hung", pid }]);
    await expect.poll(() => alive(pid as number), { timeout: 30_000 }).toBe(false);
    upstream.release();
    expect(await run(QUICK, {})).toEqual({ success: true, payload: { quick: true } });
    expect(sandbox.pids()).not.toContain(pid);
  });
});
