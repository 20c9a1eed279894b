import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, type ScriptLimits, type ScriptResult } from "../../../src/connectors/script/index.ts";
import { type ScriptHttpHarness, startScriptHttp } from "./script-http.ts";

const TIGHT: Partial<ScriptLimits> = { cpuMs: 200, wallMs: 1000, memoryMb: 16 };
const ORDINARY = `function test() {
  var r = patchbay.http.get(patchbay.config.base + "/json");
  return { payload: { status: r.status, secret: patchbay.config.secret, seen: typeof leaked, polluted: ({}).polluted } };
}`;

// One process: consecutive executions meet on the same isolate, where whatever one leaves behind waits.
const sandbox = createSandbox({ processes: 1 });
afterAll(() => sandbox.close());

let web: ScriptHttpHarness;
beforeAll(async () => {
  web = await startScriptHttp();
});
afterAll(async () => {
  await web.close();
});

function run(source: string, command = "test", limits: Partial<ScriptLimits> = TIGHT): Promise<ScriptResult> {
  return sandbox.run(
    source,
    { command, params: {}, config: { base: web.origin, secret: "s3" }, variables: {} },
    {
      tenant: "t-hostile",
      http: (req) => web.http(req),
      limits,
    },
  );
}

const HEALTHY = { success: true, payload: { status: 200, secret: "s3", seen: "undefined" } };

afterEach(async () => {
  expect(await run(ORDINARY, "test", {})).toEqual(HEALTHY);
});

describe("hostile scripts: runaway code", () => {
  it("turns deep recursion into a SCRIPT_ERROR at the recursing line", async () => {
    expect(
      await run(
        "function test() {\n  function down(n) { return down(n + 1) + 1; }\n  return down(0);\n}",
        "test",
        {
          ...TIGHT,
          cpuMs: 5000,
          wallMs: 10_000,
        },
      ),
    ).toEqual({
      success: false,
      error: "RangeError: Maximum call stack size exceeded (line 2, column 22)",
      errorCode: "SCRIPT_ERROR",
    });
  });

  it("stops a giant string at the memory limit", async () => {
    const source = `function test() { return { payload: { n: "x".repeat(2 ** 27).toUpperCase().length } }; }`;
    expect(await run(source, "test", { ...TIGHT, cpuMs: 5000, wallMs: 10_000 })).toMatchObject({
      success: false,
      errorCode: "SCRIPT_MEMORY_LIMIT",
    });
  });

  it("turns a string past V8's maximum length into a SCRIPT_ERROR", async () => {
    const source = `function test() { var s = "x"; for (;;) s += s; }`;
    expect(await run(source)).toEqual({
      success: false,
      error: "RangeError: Invalid string length (line 1, column 46)",
      errorCode: "SCRIPT_ERROR",
    });
  });

  it("ends an endless flood of microtasks with SCRIPT_TIMEOUT", async () => {
    const source = `function test() { (function flood() { Promise.resolve().then(flood); })(); return new Promise(() => {}); }`;
    expect(await run(source)).toMatchObject({ success: false, errorCode: "SCRIPT_TIMEOUT" });
  });

  it("lets a large but finite flood of microtasks finish", async () => {
    const source = `async function test() { var n = 0; for (var i = 0; i < 100000; i++) await null, n++; return { payload: { n } }; }`;
    expect(await run(source, "test", { cpuMs: 5000 })).toEqual({ success: true, payload: { n: 100000 } });
  });
});

describe("hostile scripts: strange values", () => {
  it.each([
    ["42", "script threw a non-Error value: 42"],
    ["null", "script threw a non-Error value: null"],
    ["undefined", "script threw a non-Error value: undefined"],
    ["{}", "script threw a non-Error value: {}"],
    ['"boom"', 'script threw a non-Error value: "boom"'],
    ["Symbol('s')", "script threw a non-Error value: Symbol(s)"],
    ["{ get message() { throw 1; } }", "script threw a non-Error value: [object Object]"],
  ])("reports throw %s", async (thrown, error) => {
    expect(await run(`function test() { throw ${thrown}; }`)).toEqual({
      success: false,
      error,
      errorCode: "SCRIPT_ERROR",
    });
  });

  it("survives an Error whose name and message getters throw", async () => {
    const source = `function test() { var e = new Error("x"); Object.defineProperty(e, "message", { get() { throw 1; } }); throw e; }`;
    expect(await run(source)).toMatchObject({
      success: false,
      errorCode: "SCRIPT_ERROR",
      error: expect.stringMatching(/^Error/),
    });
  });

  it("reports a non-Error thrown from top-level code", async () => {
    expect(await run("throw { code: 1 };")).toEqual({
      success: false,
      error: 'script threw a non-Error value: {"code":1}',
      errorCode: "SCRIPT_ERROR",
    });
  });

  it("refuses a cyclic result", async () => {
    expect(await run("function test() { var a = {}; a.self = a; return { payload: a }; }")).toEqual({
      success: false,
      error: "result is not JSON-serializable: Converting circular structure to JSON",
      errorCode: "SCRIPT_ERROR",
    });
  });

  it("refuses a BigInt in the result", async () => {
    expect(await run("function test() { return { payload: { n: 1n } }; }")).toEqual({
      success: false,
      error: "result is not JSON-serializable: Do not know how to serialize a BigInt",
      errorCode: "SCRIPT_ERROR",
    });
  });

  it("refuses an enormous result without crashing", async () => {
    const source = `function test() { var rows = []; for (var i = 0; i < 200000; i++) rows.push({ id: i, name: "employee " + i }); return { payload: { rows } }; }`;
    expect(
      await run(source, "test", { cpuMs: 5000, wallMs: 10_000, memoryMb: 64, resultBytes: 1024 * 1024 }),
    ).toEqual({
      success: false,
      error: "result is larger than the limit of 1048576 bytes (as JSON)",
      errorCode: "SCRIPT_ERROR",
    });
  });
});

describe("hostile scripts: reaching for the host", () => {
  it("finds no process through this.constructor.constructor", async () => {
    expect(await run("function test() { return this.constructor.constructor('return process')(); }")).toEqual(
      {
        success: false,
        error: "ReferenceError: process is not defined (line 1, column 43)",
        errorCode: "SCRIPT_ERROR",
      },
    );
  });

  it("finds no process through the constructors of the API's functions", async () => {
    const source = `function test() {
      var F = patchbay.http.get.constructor;
      return { payload: { same: F === Function, host: F("return typeof process + typeof require")(),
                          log: patchbay.log.info.constructor("return typeof globalThis.process")() } };
    }`;
    expect(await run(source)).toEqual({
      success: true,
      payload: { same: true, host: "undefinedundefined", log: "undefined" },
    });
  });

  it("finds only in-isolate objects behind the prototypes of a response", async () => {
    const source = `function test() {
      var r = patchbay.http.get(patchbay.config.base + "/json");
      return { payload: {
        plain: Object.getPrototypeOf(r) === Object.prototype && Object.getPrototypeOf(r.headers) === Object.prototype,
        viaBody: r.body.constructor.constructor("return typeof process")(),
        // The script's declarations live in its own scope: the global object has no enumerable names.
        viaProto: r.__proto__.constructor.constructor("return Object.keys(globalThis).join()")(),
      } };
    }`;
    expect(await run(source)).toEqual({
      success: true,
      payload: { plain: true, viaBody: "undefined", viaProto: "" },
    });
  });

  it("has no process, require, timers, WebAssembly, SharedArrayBuffer, Atomics, weak references or V8's console", async () => {
    const source = `function test() {
      var names = ["process", "require", "module", "setTimeout", "setInterval", "setImmediate", "queueMicrotask",
                   "fetch", "WebAssembly", "SharedArrayBuffer", "Atomics", "Buffer", "global",
                   "FinalizationRegistry", "WeakRef", "console"];
      return { payload: { present: names.filter(function (n) { return typeof globalThis[n] !== "undefined"; }),
                          process: globalThis.process === undefined } };
    }`;
    expect(await run(source)).toEqual({ success: true, payload: { present: [], process: true } });
  });

  it("cannot import modules", async () => {
    const source = `async function test() { try { await import("node:fs"); return { payload: { imported: true } }; } catch (e) { return { payload: { refused: String(e) } }; } }`;
    expect(await run(source)).toEqual({ success: true, payload: { refused: "Error: Not supported" } });
  });

  it("sees no caller frames and cannot hook stack traces", async () => {
    const source = `function test() {
      var hooked;
      try { Error.prepareStackTrace = function (e, frames) { return frames; }; hooked = Error.prepareStackTrace !== undefined; }
      catch (e) { hooked = "threw " + e.name; }
      var viaHeader;
      try {
        patchbay.http.get(patchbay.config.base + "/json", { h: { toString: function () { viaHeader = String(arguments.callee.caller); return "v"; } } });
      } catch (e) { viaHeader = "threw " + e.name; }
      return { payload: { caller: test.caller, hooked: hooked, viaHeader: viaHeader, frozen: Object.isFrozen(Error) } };
    }`;
    expect(await run(source)).toEqual({
      success: true,
      payload: { caller: null, hooked: false, viaHeader: "null", frozen: true },
    });
  });

  it("keeps the built-ins frozen and lets ordinary objects override inherited methods", async () => {
    const source = `function test() {
      var attempts = {};
      try { Object.prototype.toString = function () { return "pwned"; }; attempts.toString = "assigned"; } catch (e) { attempts.toString = e.name; }
      try { Array.prototype.push = null; attempts.push = typeof [].push; } catch (e) { attempts.push = e.name; }
      function Widget() {}
      Widget.prototype.toString = function () { return "widget"; };
      var own = { valueOf: function () { return 7; } };
      return { payload: { attempts: attempts, widget: String(new Widget()), own: own + 1, plain: String({}) } };
    }`;
    expect(await run(source)).toEqual({
      success: true,
      payload: {
        attempts: { toString: "TypeError", push: "function" },
        widget: "widget",
        own: 8,
        plain: "[object Object]",
      },
    });
  });
});

describe("hostile scripts: tampering with the dispatcher", () => {
  it("still dispatches and serializes after the script replaced the global built-ins", async () => {
    const source = `JSON = null; String = null; Object = null; Promise = null; Reflect = null; Error = null; Map = null;
function test() { return { payload: { ok: true } }; }`;
    expect(await run(source)).toEqual({ success: true, payload: { ok: true } });
  });

  it("cannot put a command (or anything) on the frozen global object", async () => {
    const source = `Object.defineProperty(globalThis, "test", { get: function () { throw new Error("getter"); } });`;
    expect(await run(source)).toEqual({
      success: false,
      error: "TypeError: Cannot define property test, object is not extensible (line 1, column 8)",
      errorCode: "SCRIPT_ERROR",
    });
  });
});

describe("hostile scripts: state between executions", () => {
  it("does not let one execution's mutations reach the next", async () => {
    const mutate = `function test() {
      "use strict";
      var failures = [];
      function attempt(label, f) { try { f(); } catch (e) { failures.push(label); } }
      attempt("config", function () { patchbay.config.secret = "stolen"; });
      attempt("http", function () { patchbay.http.get = function () { return { status: 999 }; }; });
      attempt("patchbay", function () { globalThis.patchbay = {}; });
      attempt("proto", function () { Object.prototype.polluted = true; });
      attempt("global", function () { globalThis.leaked = true; });
      return { payload: { failures: failures } };
    }`;
    expect(await run(mutate)).toEqual({
      success: true,
      payload: { failures: ["config", "http", "patchbay", "proto", "global"] },
    });
    expect(await run(ORDINARY)).toEqual(HEALTHY);
  });
});

describe("hostile scripts: state in a reused isolate", () => {
  // Isolates and their context are pooled; each execution is a fresh scope in a frozen context.
  it("keeps nothing from one execution for the next, for the same script", async () => {
    const source = `var count = (typeof count === "number" ? count : 0) + 1;
      function test() {
        try { arguments.callee.caller; } catch (e) {}
        var kept;
        try { kept = factoryStore(); } catch (e) { kept = "none"; }
        try { stray = 1; } catch (e) {}
        /secret-(\\w+)/.exec("secret-" + patchbay.params.who);
        return { payload: { count: count, kept: kept, stray: typeof stray, lastMatch: RegExp.lastMatch } };
      }
      function factoryStore() { return "declared"; }`;
    const first = await sandbox.run(
      source,
      { command: "test", params: { who: "ada" }, config: {}, variables: {} },
      { tenant: "t-hostile", http: async () => ({ status: 200, body: {}, headers: {} }) },
    );
    expect(first).toMatchObject({ success: true, payload: { count: 1, lastMatch: "secret-ada" } });
    const probe = `function test() { return { payload: { lastMatch: RegExp.lastMatch, input: RegExp.input } }; }`;
    const second = await sandbox.run(
      probe,
      { command: "test", params: {}, config: {}, variables: {} },
      { tenant: "t-hostile", http: async () => ({ status: 200, body: {}, headers: {} }) },
    );
    expect(second).toEqual({ success: true, payload: { lastMatch: "", input: "" } });
    const again = await sandbox.run(
      source,
      { command: "test", params: { who: "bob" }, config: {}, variables: {} },
      { tenant: "t-hostile", http: async () => ({ status: 200, body: {}, headers: {} }) },
    );
    expect(again).toMatchObject({ success: true, payload: { count: 1, stray: "undefined" } });
  });

  it("cannot leave state on the factory through arguments.callee", async () => {
    const source = `var f = arguments.callee; f.shared = (f.shared || 0) + 1;
      function test() { return { payload: { shared: arguments.callee === undefined ? 0 : f.shared } }; }`;
    const outcome = await run(source);
    // Either the assignment is refused (frozen factory) or it did not survive: never a count above 1.
    if (outcome.success) expect((outcome.payload as { shared?: number }).shared ?? 0).toBeLessThanOrEqual(1);
    else expect(outcome).toMatchObject({ errorCode: "SCRIPT_ERROR" });
    const second = await run(source);
    if (second.success) expect((second.payload as { shared?: number }).shared ?? 0).toBeLessThanOrEqual(1);
    else expect(second.error).toContain("not extensible");
  });

  it("refuses a source that closes the wrapper to reach the context's top level", async () => {
    const source = `}); let store = []; (function (patchbay, console) {
      function test() { store.push(1); return { payload: { size: store.length } }; }`;
    expect(await run(source)).toMatchObject({ success: false, errorCode: "SCRIPT_ERROR" });
    expect(await run(ORDINARY)).toEqual(HEALTHY);
  });
});

describe("hostile scripts: work left for later executions", () => {
  // An ordinary command that makes some garbage, as most do: the collection it starts is what finds
  // whatever an earlier execution left for the collector.
  const INNOCENT = `function test() {
    var rows = [];
    for (var i = 0; i < 50; i++) rows.push(new Array(10000).fill(i));
    return { payload: { ok: rows.length > 0 ? 1 : 0 } };
  }`;
  const ROOMY: Partial<ScriptLimits> = { cpuMs: 5000, wallMs: 10_000, memoryMb: 64 };

  /** Ordinary executions right after, on the same isolate (the pool hands out the last one returned). */
  async function innocentsAfter(): Promise<ScriptResult[]> {
    const results: ScriptResult[] = [];
    for (let i = 0; i < 3; i++) results.push(await run(INNOCENT, "test", { cpuMs: 300, wallMs: 2000 }));
    return results;
  }

  it("cannot leave a FinalizationRegistry callback to spend a later execution's CPU time", async () => {
    // V8 runs cleanup callbacks as a task of their own once a collection found the targets gone, often
    // one that a later execution's allocations started: this one then spun on that execution's time,
    // which ended with SCRIPT_TIMEOUT (when exactly depends on the collector, so the registry must not exist).
    const source = `function test() {
      var registry = new FinalizationRegistry(function () { var t = Date.now(); while (Date.now() - t < 5000) {} });
      for (var i = 0; i < 2000; i++) registry.register({ filler: new Array(1000).fill(i) }, i);
      var junk = [];
      for (var j = 0; j < 200; j++) junk.push(new Array(10000).fill(j));
      return { payload: { registered: true } };
    }`;
    const attack = await run(source, "test", ROOMY);
    expect(await innocentsAfter()).toEqual(Array(3).fill({ success: true, payload: { ok: 1 } }));
    expect(attack).toEqual({
      success: false,
      error: "ReferenceError: FinalizationRegistry is not defined (line 2, column 22)",
      errorCode: "SCRIPT_ERROR",
    });
  });

  it("cannot watch the collector through a WeakRef", async () => {
    const source = `function test() { return { payload: { ref: new WeakRef({}).deref() !== undefined } }; }`;
    expect(await run(source)).toMatchObject({
      success: false,
      error: expect.stringMatching(/^ReferenceError: WeakRef is not defined/),
      errorCode: "SCRIPT_ERROR",
    });
  });

  it.each([
    [
      "a promise callback",
      "Promise.resolve().then(function () { var t = Date.now(); while (Date.now() - t < 3000) {} });",
    ],
    [
      "an async function left running",
      "(async function () { await null; var t = Date.now(); while (Date.now() - t < 3000) {} })();",
    ],
    ["a long chain of awaits", "(async function () { for (var i = 0; i < 3e7; i++) await null; })();"],
    [
      "a thenable",
      "Promise.resolve({ then: function (ok) { var t = Date.now(); while (Date.now() - t < 3000) {} ok(); } });",
    ],
  ])("charges %s that outlives the command's result to its own execution", async (_name, leftover) => {
    const source = `function test() { ${leftover} return { payload: { returned: true } }; }`;
    expect(await run(source, "test", { cpuMs: 300, wallMs: 10_000 })).toEqual({
      success: false,
      error: "script used more than 300 ms of CPU time",
      errorCode: "SCRIPT_TIMEOUT",
    });
    expect(await innocentsAfter()).toEqual(Array(3).fill({ success: true, payload: { ok: 1 } }));
  });
});

describe("hostile scripts: all at once", () => {
  it("ends each hostile script with its own error while ordinary executions keep succeeding", async () => {
    const hostile: [string, string][] = [
      ["function test() { while (true) {} }", "SCRIPT_TIMEOUT"],
      [
        "function test() { return Promise.resolve().then(function () { while (true) {} }); }",
        "SCRIPT_TIMEOUT",
      ],
      [
        "function test() { var k = []; while (true) k.push(new Array(100000).fill(1.5)); }",
        "SCRIPT_MEMORY_LIMIT",
      ],
      [
        "function test() { for (var i = 0; i < 51; i++) patchbay.http.get(patchbay.config.base + '/json'); }",
        "SCRIPT_HTTP_LIMIT",
      ],
      ["function test() { function d() { return d() + 1; } return d(); }", "SCRIPT_ERROR"],
      ["function test() { throw null; }", "SCRIPT_ERROR"],
      ["function test() { var a = {}; a.a = a; return a; }", "SCRIPT_ERROR"],
      ["function test() { return new Promise(function () {}); }", "SCRIPT_TIMEOUT"],
    ];
    const runs = [
      ...hostile.map(async ([source, code]) => {
        // Tight time limits only where the time limit is what is tested: under a loaded machine a deep
        // recursion or 51 HTTP calls may take longer than 200 ms of CPU, and must still end with their own code.
        const limits = code === "SCRIPT_TIMEOUT" ? TIGHT : { ...TIGHT, cpuMs: 5000, wallMs: 10_000 };
        expect(await run(source, "test", limits)).toMatchObject({ success: false, errorCode: code });
      }),
      ...Array.from({ length: 16 }, async () => {
        expect(await run(ORDINARY, "test", {})).toEqual(HEALTHY);
      }),
    ];
    await Promise.all(runs);
  });
});
