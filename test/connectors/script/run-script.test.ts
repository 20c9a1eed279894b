import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEGACY_KEYS_MESSAGE } from "../../../src/connectors/define/outcome.ts";
import {
  createSandbox,
  DEFAULT_SCRIPT_LIMITS,
  LOG_FIELD_LIMITS,
  resolveScriptLimits,
  type ScriptLimits,
  type ScriptLogLevel,
  type ScriptRequest,
} from "../../../src/connectors/script/index.ts";
import { type ScriptHttpHarness, startScriptHttp } from "./script-http.ts";

const sandbox = createSandbox();
let web: ScriptHttpHarness;
beforeAll(async () => {
  web = await startScriptHttp();
});
afterAll(async () => {
  sandbox.close();
  await web.close();
});

function request(command: string, slots: Partial<ScriptRequest> = {}): ScriptRequest {
  return {
    command,
    params: { limit: 5 },
    config: { baseUrl: web.origin, apiKey: "k-123" },
    variables: { runCount: 2 },
    ...slots,
  };
}

function run(source: string, command: string, limits?: Partial<ScriptLimits>) {
  return sandbox.run(source, request(command), {
    tenant: "t-run",
    http: (req) => web.http(req),
    ...(limits ? { limits } : {}),
  });
}

describe("runScript: commands and the patchbay global", () => {
  it("runs the seed's synchronous style: var r = patchbay.http.get(u) with a parsed JSON body", async () => {
    const source = `
      function listContacts() {
        var resp = patchbay.http.get(patchbay.config.baseUrl + "/json?limit=" + patchbay.params.limit, {
          Authorization: "Bearer " + patchbay.config.apiKey,
        });
        if (resp.status >= 400) return { success: false, error: "API returned " + resp.status };
        return { success: true, payload: { method: resp.body.method, auth: resp.body.headers.authorization },
                 variables: { status: resp.status } };
      }`;
    expect(await run(source, "listContacts")).toEqual({
      success: true,
      payload: { method: "GET", auth: "Bearer k-123" },
      variables: { status: 200 },
    });
    expect(web.server.requests.at(-1)?.url).toBe("/json?limit=5");
  });

  it("runs async/await style and resolves a returned promise", async () => {
    const source = `
      async function createContact() {
        const created = await patchbay.http.post(patchbay.config.baseUrl + "/json", { email: "a@b.c" });
        const text = await patchbay.http.get(patchbay.config.baseUrl + "/text");
        return { payload: { sent: JSON.parse(created.body.body), text: text.body, type: text.headers["content-type"] } };
      }`;
    expect(await run(source, "createContact")).toEqual({
      success: true,
      payload: { sent: { email: "a@b.c" }, text: "plain text", type: "text/plain" },
    });
  });

  it("offers put, patch and delete, and sends a string body as is", async () => {
    const source = `
      function mutate() {
        const base = patchbay.config.baseUrl + "/json";
        return { payload: {
          put: patchbay.http.put(base, '{"raw":true}').body,
          patch: patchbay.http.patch(base, { n: 1 }, { "X-Trace": 7 }).body,
          del: patchbay.http.delete(base, { "X-Del": "yes" }).body,
        } };
      }`;
    const result = await run(source, "mutate");
    expect(result.success).toBe(true);
    const payload = result.payload as Record<
      string,
      { method: string; body: string; headers: Record<string, string> }
    >;
    expect(payload.put).toMatchObject({ method: "PUT", body: '{"raw":true}' });
    expect(payload.patch).toMatchObject({ method: "PATCH", body: '{"n":1}', headers: { "x-trace": "7" } });
    expect(payload.del).toMatchObject({ method: "DELETE", body: "", headers: { "x-del": "yes" } });
  });

  it("shows params, config and variables as frozen copies", async () => {
    const source = `
      function echo() {
        return { payload: { params: patchbay.params, config: patchbay.config, variables: patchbay.variables,
          frozen: [patchbay, patchbay.params, patchbay.config, patchbay.variables, patchbay.http, patchbay.log]
            .every(Object.isFrozen) } };
      }`;
    expect(await run(source, "echo")).toEqual({
      success: true,
      payload: {
        params: { limit: 5 },
        config: { baseUrl: web.origin, apiKey: "k-123" },
        variables: { runCount: 2 },
        frozen: true,
      },
    });
  });

  it("routes patchbay.log and console to the log option at their levels", async () => {
    const lines: [ScriptLogLevel, string][] = [];
    const source = `
      function test() {
        patchbay.log.trace("t"); patchbay.log.debug("d"); patchbay.log.info({ n: 1 });
        patchbay.log.warn("w"); patchbay.log.error(42); console.log("c", 1, { a: 2 });
        return {};
      }`;
    const result = await sandbox.run(source, request("test"), {
      tenant: "t-run",
      http: (req) => web.http(req),
      log: (level, message) => lines.push([level, message]),
    });
    expect(result).toEqual({ success: true });
    expect(lines).toEqual([
      ["trace", "t"],
      ["debug", "d"],
      ["info", '{"n":1}'],
      ["warn", "w"],
      ["error", "42"],
      ["info", 'c 1 {"a":2}'],
    ]);
  });

  it("passes the fields a script gives patchbay.log as a plain copy bounded in depth, keys and size", async () => {
    const lines: [ScriptLogLevel, string, unknown][] = [];
    const source = `
      function test() {
        var many = {};
        for (var i = 0; i < 40; i++) many["k" + i] = i;
        patchbay.log.info("created", {
          id: 7, ok: true, none: null, nan: NaN, big: 10n, fn: function () {}, sym: Symbol("s"), undef: undefined,
          long: "x".repeat(600), nested: { a: { b: { c: 1 } } }, list: [1, { x: 2 }, function () {}], many: many,
          ["__proto__"]: { polluted: true },
        });
        patchbay.log.warn("no fields");
        patchbay.log.info("not an object", "text");
        patchbay.log.info("an array", [1, 2]);
        patchbay.log.info("a getter that throws", { get bad() { throw new Error("no"); } });
        console.log("console keeps joining", { a: 1 });
        return {};
      }`;
    const result = await sandbox.run(source, request("test"), {
      tenant: "t-run",
      http: (req) => web.http(req),
      log: (level, message, fields) => lines.push([level, message, fields]),
    });
    expect(result).toEqual({ success: true });
    const many = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, i]));
    const created = JSON.parse(
      JSON.stringify({
        id: 7,
        ok: true,
        none: null,
        nan: "NaN",
        big: "10",
        long: `${"x".repeat(512)}…`,
        nested: { a: { b: "[too deep]" } },
        list: [1, { x: 2 }, null],
        many,
      }).replace(/}$/, ',"__proto__":{"polluted":true}}'),
    );
    expect(lines).toEqual([
      ["info", "created", created],
      ["warn", "no fields", undefined],
      ["info", "not an object", undefined],
      ["info", "an array", undefined],
      ["info", "a getter that throws", undefined],
      ["info", 'console keeps joining {"a":1}', undefined],
    ]);
    expect(Object.hasOwn(lines[0]?.[2] as object, "__proto__")).toBe(true);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("cuts a script's log fields at their total size", async () => {
    const lines: unknown[] = [];
    const source = `function test() {
      var big = {};
      for (var i = 0; i < 32; i++) { big["k" + i] = {}; for (var j = 0; j < 32; j++) big["k" + i]["v" + j] = "y".repeat(500); }
      patchbay.log.info("big", big);
      return {};
    }`;
    await sandbox.run(source, request("test"), {
      tenant: "t-run",
      http: (req) => web.http(req),
      log: (_level, _message, fields) => lines.push(fields),
    });
    const json = JSON.stringify(lines[0]);
    expect(json.length).toBeGreaterThan(7000);
    expect(json.length).toBeLessThan(LOG_FIELD_LIMITS.totalChars + 1000);
  });

  it("caps one execution's log lines and says so once", async () => {
    const lines: string[] = [];
    const source = `function test() { for (let i = 0; i < 1500; i++) patchbay.log.info("line " + i); return {}; }`;
    await sandbox.run(source, request("test"), {
      tenant: "t-run",
      http: (req) => web.http(req),
      log: (_, message) => lines.push(message),
    });
    expect(lines).toHaveLength(1001);
    expect(lines[999]).toBe("line 999");
    expect(lines[1000]).toMatch(/^log limit reached/);
  });

  it("rejects protocol 1.x data/outputVariables with the upgrade message", async () => {
    const source = `function a() { return { success: true, data: {} }; } function b() { return { outputVariables: {} }; }`;
    for (const command of ["a", "b"]) {
      expect(await run(source, command)).toEqual({
        success: false,
        error: LEGACY_KEYS_MESSAGE,
        errorCode: "LEGACY_RESULT_KEYS",
      });
    }
  });

  it("normalizes failures and keeps diagnostics, but drops an errorCode the script made up", async () => {
    const source = `function test() { return { success: false, error: "nope", diagnostics: { s: 503 }, errorCode: "SCRIPT_TIMEOUT" }; }`;
    expect(await run(source, "test")).toEqual({ success: false, error: "nope", diagnostics: { s: 503 } });
  });

  it("answers UNKNOWN_COMMAND for a missing function, a built-in or an inherited name", async () => {
    const source = `function known() { return {}; } var notAFunction = 1;`;
    for (const command of [
      "missing",
      "notAFunction",
      "Object",
      "patchbay",
      "constructor",
      "toString",
      "a-b",
      "",
    ]) {
      const result = await run(source, command);
      expect(result).toMatchObject({ success: false, errorCode: "UNKNOWN_COMMAND" });
      expect(result.error).toContain(JSON.stringify(command));
    }
  });

  it("finds commands declared with const and let at the top level", async () => {
    const source = `const viaConst = () => ({ payload: { via: "const" } }); let viaLet = async () => ({ payload: { via: "let" } });`;
    expect(await run(source, "viaConst")).toEqual({ success: true, payload: { via: "const" } });
    expect(await run(source, "viaLet")).toEqual({ success: true, payload: { via: "let" } });
  });

  it("treats returning nothing as a success", async () => {
    expect(await run("function test() {}", "test")).toEqual({ success: true });
  });
});

describe("runScript: script errors", () => {
  it("reports a thrown TypeError with the script's own line and column", async () => {
    const source = "function test() {\n  var x = 1;\n    x();\n}";
    expect(await run(source, "test")).toEqual({
      success: false,
      error: "TypeError: x is not a function (line 3, column 5)",
      errorCode: "SCRIPT_ERROR",
    });
  });

  it("reports a syntax error with its position", async () => {
    expect(await run("function test() {\n  return {;\n}", "test")).toEqual({
      success: false,
      error: "SyntaxError: Unexpected token ';' (line 2, column 11)",
      errorCode: "SCRIPT_ERROR",
    });
  });

  it("reports an error thrown by top-level code", async () => {
    expect(await run("var a = 1;\nnotDefined();\nfunction test() {}", "test")).toEqual({
      success: false,
      error: "ReferenceError: notDefined is not defined (line 2, column 1)",
      errorCode: "SCRIPT_ERROR",
    });
  });

  it("reports a subclassed error with its own name", async () => {
    const source = `class LookupError extends Error { constructor(m) { super(m); this.name = "LookupError"; } }
function test() { throw new LookupError("no such employee"); }`;
    expect(await run(source, "test")).toEqual({
      success: false,
      error: "LookupError: no such employee (line 2, column 25)",
      errorCode: "SCRIPT_ERROR",
    });
  });

  it("gives no host stack or host path in any error a script can see", async () => {
    const source = `function test() {
      try { patchbay.http.get("http://127.0.0.1:1/closed"); } catch (e) { return { payload: { message: e.message, stack: e.stack } }; }
    }`;
    const result = await run(source, "test");
    const seen = JSON.stringify(result.payload);
    expect(seen).toContain("connector.js:2");
    for (const hostTrace of ["/work/", "node:", "file:", "isolated-vm", ".ts"])
      expect(seen).not.toContain(hostTrace);
  });
});

describe("runScript: HTTP", () => {
  it("throws a host failure at the call site with its code, and the script may catch it", async () => {
    const source = `function test() {
      try { patchbay.http.get("http://169.254.169.254/latest"); } catch (e) { return { payload: { message: e.message, code: e.code } }; }
    }`;
    expect(await run(source, "test")).toEqual({
      success: true,
      payload: { message: "refused 169.254.169.254", code: "EGRESS_REFUSED" },
    });
  });

  it("refuses a response body over responseBytes", async () => {
    const source = `function test() { return { payload: patchbay.http.get(patchbay.config.baseUrl + "/big?bytes=2048") }; }`;
    expect(await run(source, "test", { responseBytes: 1024 })).toEqual({
      success: false,
      error: "Error: HTTP response body of 2048 bytes exceeds the limit of 1024 bytes (line 1, column 51)",
      errorCode: "SCRIPT_ERROR",
    });
  });

  it("passes non-2xx responses to the script rather than throwing", async () => {
    const source = `function test() { var r = patchbay.http.get(patchbay.config.baseUrl + "/status/404"); return { success: r.status < 400, error: "status " + r.status }; }`;
    expect(await run(source, "test")).toEqual({ success: false, error: "status 404" });
  });

  it("does not count time waiting for HTTP as CPU time", async () => {
    const source = `function test() { for (var i = 0; i < 3; i++) patchbay.http.get(patchbay.config.baseUrl + "/slow?ms=150"); return { payload: { done: i } }; }`;
    expect(await run(source, "test", { cpuMs: 100, wallMs: 5000 })).toEqual({
      success: true,
      payload: { done: 3 },
    });
  });

  it("checks argument types inside the script", async () => {
    const source = `function test() { patchbay.http.get(42); }`;
    expect(await run(source, "test")).toEqual({
      success: false,
      error: "TypeError: patchbay.http.get: url must be a string (line 1, column 33)",
      errorCode: "SCRIPT_ERROR",
    });
  });
});

describe("runScript: cancellation and limits", () => {
  it("ends with SCRIPT_ABORTED when the caller's signal fires, and aborts the HTTP call in flight", async () => {
    const controller = new AbortController();
    const source = `function test() { patchbay.http.get(patchbay.config.baseUrl + "/slow?ms=5000"); return {}; }`;
    setTimeout(() => controller.abort(), 200);
    const result = await sandbox.run(source, request("test"), {
      tenant: "t-run",
      http: (req) => web.http(req),
      signal: controller.signal,
    });
    expect(result).toEqual({
      success: false,
      error: "script execution was cancelled",
      errorCode: "SCRIPT_ABORTED",
    });
    // The call in flight was cancelled too, not left to its 5 s answer.
    expect(web.calls.at(-1)?.signal?.aborted).toBe(true);
  });

  it("does not start when the signal is already aborted", async () => {
    const result = await sandbox.run("function test() {}", request("test"), {
      tenant: "t-run",
      http: (req) => web.http(req),
      signal: AbortSignal.abort(),
    });
    expect(result.errorCode).toBe("SCRIPT_ABORTED");
  });

  it("resolves limits from the defaults and refuses unusable ones", () => {
    expect(DEFAULT_SCRIPT_LIMITS).toEqual({
      memoryMb: 64,
      cpuMs: 5000,
      wallMs: 30_000,
      httpCalls: 50,
      responseBytes: 5 * 1024 * 1024,
      resultBytes: 5 * 1024 * 1024,
    });
    expect(resolveScriptLimits({ cpuMs: 10 })).toEqual({ ...DEFAULT_SCRIPT_LIMITS, cpuMs: 10 });
    expect(() => resolveScriptLimits({ httpCalls: 0 })).toThrow("httpCalls must be a positive integer");
    expect(() => resolveScriptLimits({ memoryMb: 4 })).toThrow("memoryMb must be at least 8");
  });
});
