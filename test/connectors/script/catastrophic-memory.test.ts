import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import {
  createSandbox,
  type SandboxEvent,
  type ScriptRequest,
} from "../../../src/connectors/script/index.ts";

const request: ScriptRequest = { command: "test", params: {}, config: {}, variables: {} };
const http = async (): Promise<never> => {
  throw new Error("these scripts make no HTTP calls");
};
const MAP_BOMB = "function test() { const m = new Map(); let i = 0; for (;;) m.set(i, i++); }";
const OBJECT_BOMB = "function test() { const o = {}; let i = 0; for (;;) o['k' + i] = i++; }";
const ORDINARY = "function test() { return { payload: { ok: 1 } }; }";

const events: SandboxEvent[] = [];
const sandbox = createSandbox({ processes: 1, onEvent: (event) => events.push(event) });
afterAll(() => sandbox.close());

/**
 * Resident memory of the sandbox processes, in MB: where the isolates live, and where a lost isolate's
 * memory would stay (this test process's own RSS moves with whatever else the test runner does).
 */
function residentMb(): number {
  let kb = 0;
  for (const pid of sandbox.pids()) {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("hostile scripts: hash-table memory bombs", () => {
  it("end with SCRIPT_MEMORY_LIMIT; the process that ran one is replaced, so memory returns to its baseline", async () => {
    for (let warm = 0; warm < 20; warm++) await sandbox.run(ORDINARY, request, { tenant: "t-memory", http });
    const baseline = residentMb();
    const firstPid = sandbox.pids()[0] as number;

    for (const bomb of [MAP_BOMB, OBJECT_BOMB, MAP_BOMB]) {
      const result = await sandbox.run(bomb, request, {
        tenant: "t-memory",
        http,
        limits: { memoryMb: 32, cpuMs: 20_000, wallMs: 20_000 },
      });
      expect(result).toEqual({
        success: false,
        error: "script exceeded the memory limit of 32 MB",
        errorCode: "SCRIPT_MEMORY_LIMIT",
      });
      expect(await sandbox.run(ORDINARY, request, { tenant: "t-memory", http })).toEqual({
        success: true,
        payload: { ok: 1 },
      });
    }

    // Whether V8 gave up on an isolate (isolated-vm's catastrophic error) or isolated-vm stopped it in
    // time, no memory stays behind: a process that lost an isolate is gone.
    // Either way the process that ran a bomb is replaced (a disposed isolate's memory stays with its
    // process), and one that lost an isolate is gone.
    for (const event of events) expect(alive(event.pid)).toBe(false);
    expect(alive(firstPid)).toBe(false);
    expect(new Set(events.map((event) => event.kind))).toSatisfy((kinds: Set<string>) =>
      [...kinds].every((kind) => kind === "memory-recycled" || kind === "isolate-lost"),
    );
    // Each bomb ran on its own process: the one before it had been replaced.
    expect(new Set(events.map((event) => event.pid)).size).toBe(3);
    expect(sandbox.healthy()).toBe(true);
    expect(residentMb()).toBeLessThan(baseline + 48);
  });
});
