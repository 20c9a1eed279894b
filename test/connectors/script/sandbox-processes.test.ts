import { afterAll, describe, expect, it } from "vitest";
import {
  createSandbox,
  type SandboxEvent,
  type ScriptRequest,
} from "../../../src/connectors/script/index.ts";

const request: ScriptRequest = { command: "test", params: {}, config: {}, variables: {} };
const events: SandboxEvent[] = [];
const sandbox = createSandbox({ processes: 1, onEvent: (event) => events.push(event) });
afterAll(() => sandbox.close());

describe("sandbox processes", () => {
  it("ends the executions of a process that dies with SCRIPT_SANDBOX_LOST and serves the next on a new one", async () => {
    let called!: () => void;
    const inHttp = new Promise<void>((resolve) => {
      called = resolve;
    });
    const running = sandbox.run(
      "function test() { return { payload: patchbay.http.get('http://x.test/') }; }",
      request,
      {
        tenant: "t-processes",
        // The script waits on this call while its process is killed.
        http: () => {
          called();
          return new Promise(() => undefined);
        },
      },
    );
    await inHttp;
    const [pid] = sandbox.pids();
    process.kill(pid as number, "SIGKILL");
    expect(await running).toEqual({
      success: false,
      error: "the script sandbox stopped",
      errorCode: "SCRIPT_SANDBOX_LOST",
    });
    expect(events).toContainEqual({ kind: "process-exited", pid, exitCode: null, signal: "SIGKILL" });

    const after = await sandbox.run("function test() { return { payload: { ok: 1 } }; }", request, {
      tenant: "t-processes",
      http: () => Promise.reject(new Error("unused")),
    });
    expect(after).toEqual({ success: true, payload: { ok: 1 } });
    expect(sandbox.pids()).not.toContain(pid);
  });

  it("refuses input that cannot cross to the sandbox, without losing the process", async () => {
    const before = sandbox.pids();
    const result = await sandbox.run(
      "function test() { return {}; }",
      { ...request, params: { big: 10n } },
      { tenant: "t-processes", http: () => Promise.reject(new Error("unused")) },
    );
    expect(result).toEqual({
      success: false,
      error: "params, config and variables must be JSON-serializable",
      errorCode: "SCRIPT_ERROR",
    });
    expect(sandbox.pids()).toEqual(before);
  });

  it("keeps the parsed text out of a JSON.parse error", async () => {
    const result = await sandbox.run(
      'function test() {\n  return JSON.parse(\'{"email": "someone@example.com"\');\n}',
      request,
      { tenant: "t-processes", http: () => Promise.reject(new Error("unused")) },
    );
    expect(result.errorCode).toBe("SCRIPT_ERROR");
    expect(result.error).toMatch(/^SyntaxError: /);
    expect(result.error).not.toContain("example.com");
    const quoted = await sandbox.run(
      "function test() {\n  return JSON.parse('not json: ' + 'a@b.c');\n}",
      request,
      {
        tenant: "t-processes",
        http: () => Promise.reject(new Error("unused")),
      },
    );
    expect(quoted.error).toBe("SyntaxError: the text is not valid JSON (line 2, column 15)");
  });

  it("reports the isolates its processes hold and their heaps", async () => {
    const result = await sandbox.run(
      "function test() { return { payload: { n: new Array(1000).fill('x').length } }; }",
      request,
      { tenant: "t-stats", http: () => Promise.reject(new Error("unused")) },
    );
    expect(result).toEqual({ success: true, payload: { n: 1000 } });
    // Each process reports every few seconds: the warm isolate shows up in one of the next reports.
    const reported = () => {
      const { isolates, heapUsedBytes } = sandbox.stats();
      return isolates > 0 && heapUsedBytes > 0;
    };
    await expect.poll(reported, { timeout: 60_000, interval: 200 }).toBe(true);
    const stats = sandbox.stats();
    expect(stats.heapUsedBytes).toBeGreaterThan(0);
    expect(stats.heapTotalBytes).toBeGreaterThanOrEqual(stats.heapUsedBytes);
  }, 90_000);
});
