import { afterEach, describe, expect, it } from "vitest";
import { createIsolatePool, type IsolatePool } from "../../../src/connectors/script/isolate-pool.ts";
import { runInIsolate } from "../../../src/connectors/script/run-in-isolate.ts";
import type { ScriptRunOptions } from "../../../src/connectors/script/run-script-options.ts";

const INPUT = JSON.stringify({ params: {}, config: {} });

let pool: IsolatePool | undefined;
afterEach(() => pool?.close());

function run(source: string, options: Omit<ScriptRunOptions, "tenant">) {
  pool ??= createIsolatePool({ slots: 2, maxIdle: 2, idleMs: 60_000, logChars: 100 });
  return runInIsolate(pool, source, "spin", INPUT, { tenant: "tenant-a", ...options });
}

function cpuLimit(cpuMs: number) {
  return {
    success: false,
    error: `script used more than ${cpuMs} ms of CPU time`,
    errorCode: "SCRIPT_TIMEOUT",
  };
}

describe("calls into the host against the CPU time", () => {
  for (const [what, loop] of [
    ["patchbay.log", "for (;;) patchbay.log.trace('x');"],
    ["console", "for (;;) console.log('x');"],
  ]) {
    it(`ends a ${what} loop at its CPU time, as a busy loop, not at its wall time`, async () => {
      const lines: string[] = [];
      // A call into the host took some twenty times longer than the isolate's clock counted of it: such a
      // loop ran five times its CPU time (and on to its wall time) spending a core.
      const result = await run(`function spin() { ${loop} }`, {
        limits: { cpuMs: 1000, wallMs: 5000 },
        log: (_level, message) => lines.push(message),
      });
      expect(result).toEqual(cpuLimit(1000));
      // The lines past the limit never reached the host; it said once that they were dropped.
      expect(lines).toHaveLength(1001);
      expect(lines[1000]).toMatch(/^log limit reached/);
    });
  }

  it("stops calling the host once an execution's log lines are spent", async () => {
    const open = createIsolatePool({ slots: 1, maxIdle: 1, idleMs: 60_000, logChars: 100 });
    pool = open;
    // Counts the calls that reach the host's side of patchbay.log, whatever it does with them.
    let hostCalls = 0;
    const counted: IsolatePool = {
      ...open,
      acquire: async (...args) => {
        const slot = await open.acquire(...args);
        if (slot !== undefined) {
          const begin = slot.begin;
          slot.begin = (bridge) =>
            begin({
              ...bridge,
              log: (...line) => {
                hostCalls++;
                bridge.log(...line);
              },
            });
        }
        return slot;
      },
    };
    const lines: string[] = [];
    const result = await runInIsolate(
      counted,
      "function spin() { for (var i = 0; i < 5000; i++) console.log('line', i); return { payload: { i: i } }; }",
      "spin",
      INPUT,
      { tenant: "tenant-a", log: (_level, message) => lines.push(message) },
    );
    expect(result).toEqual({ success: true, payload: { i: 5000 } });
    expect(lines).toHaveLength(1001);
    // The thousand lines and the one that tells the host the limit was reached; none after.
    expect(hostCalls).toBe(1001);
  });

  it("charges the host's work on a script's HTTP answers to its CPU time, not the wait for them", async () => {
    // An answer of some 5 MB the host must serialize to size it, then refuses as too large: the work is the
    // host's, tens of milliseconds a call, and the script's a few microseconds. Uncharged, fifty calls
    // ended with the HTTP call limit.
    const body = { rows: Array.from({ length: 200_000 }, (_, i) => ({ id: i, name: `row ${i}` })) };
    const result = await run(
      "function spin() { for (;;) { try { patchbay.http.get('https://api.example.test/'); } catch (e) {} } }",
      {
        limits: { cpuMs: 300, wallMs: 60_000, httpCalls: 50, responseBytes: 1024 },
        http: async () => ({ status: 200, headers: {}, body }),
      },
    );
    expect(result).toEqual(cpuLimit(300));
  });
});
