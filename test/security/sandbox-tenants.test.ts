import { afterAll, describe, expect, it } from "vitest";
import { createSandbox, type ScriptLimits, type ScriptResult } from "../../src/connectors/script/index.ts";

// One sandbox process: both tenants' executions run in it, so whatever separates them is the isolates.
const sandbox = createSandbox({ processes: 1 });
afterAll(() => sandbox.close());

const http = async (): Promise<never> => {
  throw new Error("these scripts make no HTTP calls");
};

function as(tenant: string, source: string, limits: Partial<ScriptLimits> = {}): Promise<ScriptResult> {
  return sandbox.run(
    source,
    { command: "test", params: { who: tenant }, config: {}, variables: {} },
    { tenant, http, limits },
  );
}

const MIB = 1024 * 1024;
/** Asks for 48 MiB outside the heap: granted when the isolate's 64 MiB hold little else. */
const ROOM_PROBE = `function test() {
  try { return { payload: { allocated: new ArrayBuffer(48 * ${MIB}).byteLength } }; }
  catch (e) { return { payload: { refused: String(e) } }; }
}`;

describe("the script sandbox between tenants, from the attacker's side", () => {
  it("lets no tenant feel (or measure) the memory another tenant's cached scripts hold", async () => {
    // Compiled scripts stay in the isolate that ran them, with their source, for the next execution:
    // four of 7 MiB keep the heap under the half that would get the isolate recycled.
    for (let i = 0; i < 4; i++) {
      const hog = `var filler${i} = "${"x".repeat(7 * MIB)}";\nfunction test() { return { payload: { n: filler${i}.length } }; }`;
      expect(await as("tenant-a", hog)).toEqual({ success: true, payload: { n: 7 * MIB } });
    }
    const b = await as("tenant-b", ROOM_PROBE);
    // Tenant A's own isolate is that full (so the probe would have seen it on a shared isolate).
    const a = await as("tenant-a", ROOM_PROBE);
    expect(b).toEqual({ success: true, payload: { allocated: 48 * MIB } });
    expect(a).toEqual({ success: true, payload: { refused: "RangeError: Array buffer allocation failed" } });
  });

  it("shows tenant B nothing tenant A's executions leave behind, and spends none of B's time on them", async () => {
    const leave = `function test() {
      var tried = [];
      function attempt(label, f) { try { f(); tried.push(label + ":kept"); } catch (e) { tried.push(label + ":refused"); } }
      attempt("proto", function () { Object.prototype.polluted = patchbay.params.who; });
      attempt("global", function () { globalThis.leaked = patchbay.params.who; });
      attempt("array", function () { Array.prototype.includes = function () { return true; }; });
      attempt("registry", function () {
        var r = new FinalizationRegistry(function () { var t = Date.now(); while (Date.now() - t < 5000) {} });
        for (var i = 0; i < 2000; i++) r.register({ filler: new Array(1000).fill(i) }, i);
      });
      /secret-(\\w+)/.exec("secret-" + patchbay.params.who);
      // Work queued to run after the result: charged to this execution (it ends over its CPU time).
      Promise.resolve().then(function () { var t = Date.now(); while (Date.now() - t < 5000) {} });
      return { payload: { tried: tried } };
    }`;
    const probe = `function test() {
      var rows = [];
      for (var i = 0; i < 50; i++) rows.push(new Array(10000).fill(i));
      return { payload: {
        polluted: typeof ({}).polluted, leaked: typeof globalThis.leaked, includes: [].includes(1),
        lastMatch: RegExp.lastMatch, registry: typeof FinalizationRegistry, weakRef: typeof WeakRef,
      } };
    }`;
    expect(await as("tenant-a", leave, { cpuMs: 300, wallMs: 10_000 })).toEqual({
      success: false,
      error: "script used more than 300 ms of CPU time",
      errorCode: "SCRIPT_TIMEOUT",
    });
    for (let i = 0; i < 3; i++) {
      expect(await as("tenant-b", probe, { cpuMs: 300, wallMs: 2000 })).toEqual({
        success: true,
        payload: {
          polluted: "undefined",
          leaked: "undefined",
          includes: false,
          lastMatch: "",
          registry: "undefined",
          weakRef: "undefined",
        },
      });
    }
  });
});
