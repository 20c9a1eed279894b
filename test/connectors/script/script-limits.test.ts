import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, type ScriptLimits, type ScriptResult } from "../../../src/connectors/script/index.ts";
import { type ScriptHttpHarness, startScriptHttp } from "./script-http.ts";

/** Small limits keep hostile tests fast. */
const TIGHT: Partial<ScriptLimits> = { cpuMs: 200, wallMs: 1000, memoryMb: 16 };
// For limits other than time (HTTP calls, result size): a loaded machine may need more than TIGHT's time.
const ROOMY: Partial<ScriptLimits> = { ...TIGHT, cpuMs: 5000, wallMs: 10_000 };

const sandbox = createSandbox();
let web: ScriptHttpHarness;
beforeAll(async () => {
  web = await startScriptHttp();
});
afterAll(async () => {
  sandbox.close();
  await web.close();
});

function run(source: string, limits: Partial<ScriptLimits> = TIGHT, command = "test"): Promise<ScriptResult> {
  return sandbox.run(
    source,
    { command, params: {}, config: { base: web.origin }, variables: {} },
    {
      tenant: "t-limits",
      http: (req) => web.http(req),
      limits,
    },
  );
}

// Every breach must leave the sandbox usable for the next, ordinary execution.
afterEach(async () => {
  const ordinary = `function test() { return { payload: { status: patchbay.http.get(patchbay.config.base + "/json").status } }; }`;
  expect(await run(ordinary, {})).toEqual({ success: true, payload: { status: 200 } });
});

describe("script limits", () => {
  it("ends an infinite loop with SCRIPT_TIMEOUT", async () => {
    // The CPU limit (200 ms) ends it, not the wall-time limit (1 s): the message says which.
    expect(await run("function test() { while (true) {} }")).toEqual({
      success: false,
      error: "script used more than 200 ms of CPU time",
      errorCode: "SCRIPT_TIMEOUT",
    });
  });

  it("ends while(true) inside a promise chain with SCRIPT_TIMEOUT", async () => {
    const source =
      "async function test() { await null; return Promise.resolve(1).then(() => { while (true) {} }); }";
    expect(await run(source)).toMatchObject({ success: false, errorCode: "SCRIPT_TIMEOUT" });
  });

  it("ends an infinite loop in top-level code with SCRIPT_TIMEOUT", async () => {
    expect(await run("for (;;) {}\nfunction test() {}")).toMatchObject({
      success: false,
      errorCode: "SCRIPT_TIMEOUT",
    });
  });

  it("ends a promise that never settles at the wall-time limit", async () => {
    expect(await run("function test() { return new Promise(() => {}); }", { ...TIGHT, wallMs: 300 })).toEqual(
      {
        success: false,
        error: "script ran longer than 300 ms",
        errorCode: "SCRIPT_TIMEOUT",
      },
    );
  });

  it("counts slow HTTP against wall time and cancels the call in flight", async () => {
    const source = `function test() { patchbay.http.get(patchbay.config.base + "/slow?ms=3000"); return {}; }`;
    expect(await run(source, { ...TIGHT, wallMs: 300 })).toMatchObject({
      success: false,
      errorCode: "SCRIPT_TIMEOUT",
    });
    expect(web.calls.at(-1)?.signal?.aborted).toBe(true);
  });

  it("ends a memory bomb with SCRIPT_MEMORY_LIMIT", async () => {
    const source =
      "function test() { const kept = []; while (true) kept.push(new Array(100000).fill(1.5)); }";
    expect(await run(source, { ...TIGHT, cpuMs: 5000, wallMs: 10_000 })).toEqual({
      success: false,
      error: "script exceeded the memory limit of 16 MB",
      errorCode: "SCRIPT_MEMORY_LIMIT",
    });
  });

  it("ends a bomb of large array buffers (allocated outside the V8 heap) at the memory limit", async () => {
    const source =
      "function test() { const kept = []; while (true) kept.push(new ArrayBuffer(1024 * 1024)); }";
    const result = await run(source, { ...TIGHT, cpuMs: 5000, wallMs: 10_000 });
    // The limited allocator refuses the buffer: the script sees a RangeError at the allocation.
    expect(result).toEqual({
      success: false,
      error: "RangeError: Array buffer allocation failed (line 1, column 59)",
      errorCode: "SCRIPT_ERROR",
    });
  });

  it("ends the 51st HTTP call with SCRIPT_HTTP_LIMIT", async () => {
    const before = web.calls.length;
    const source = `function test() { for (var i = 0; i < 51; i++) patchbay.http.get(patchbay.config.base + "/json"); return {}; }`;
    expect(await run(source, ROOMY)).toEqual({
      success: false,
      error: "script made more than 50 HTTP calls",
      errorCode: "SCRIPT_HTTP_LIMIT",
    });
    // The 51st call never reached the host's client.
    expect(web.calls.length - before).toBe(50);
  });

  it("keeps SCRIPT_HTTP_LIMIT even when the script catches the error and carries on", async () => {
    const source = `function test() {
      for (;;) { try { patchbay.http.get(patchbay.config.base + "/json"); } catch (e) { if (e.code === "SCRIPT_HTTP_LIMIT") return { payload: { escaped: true } }; } }
    }`;
    expect(await run(source, { ...ROOMY, httpCalls: 3 })).toMatchObject({
      success: false,
      errorCode: "SCRIPT_HTTP_LIMIT",
    });
  });

  it("refuses a result over resultBytes", async () => {
    const source = `function test() { return { payload: { s: "x".repeat(6 * 1024 * 1024) } }; }`;
    expect(await run(source, { ...ROOMY, memoryMb: 64 })).toEqual({
      success: false,
      error: "result is larger than the limit of 5242880 bytes (as JSON)",
      errorCode: "SCRIPT_ERROR",
    });
  });

  it("measures the result cap in bytes, not characters", async () => {
    // 600 three-byte characters: 600 characters but 1800 bytes.
    const source = `function test() { return { payload: { s: "€".repeat(600) } }; }`;
    expect(await run(source, { ...ROOMY, resultBytes: 1000 })).toMatchObject({ errorCode: "SCRIPT_ERROR" });
    expect(await run(source, { ...ROOMY, resultBytes: 2000 })).toMatchObject({ success: true });
  });
});
