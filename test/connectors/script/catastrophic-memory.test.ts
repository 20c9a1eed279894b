import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const RUNNER = fileURLToPath(new URL("./catastrophic-runner.ts", import.meta.url));

function runInChild(): Promise<string> {
  return new Promise((resolve) => {
    // The runner ends itself with SIGKILL once it has written its line, so the exit status is not the verdict.
    execFile(process.execPath, [RUNNER], { timeout: 60_000 }, (_error, stdout) => resolve(stdout));
  });
}

describe("hostile scripts: hash-table memory bomb", () => {
  it("ends with SCRIPT_MEMORY_LIMIT and later executions still succeed, even when V8 gives up on the isolate", async () => {
    const output = JSON.parse((await runInChild()).trim()) as {
      bomb: unknown;
      after: unknown;
      catastrophic: string;
      healthy: boolean;
    };
    expect(output.bomb).toEqual({
      success: false,
      error: "script exceeded the memory limit of 32 MB",
      errorCode: "SCRIPT_MEMORY_LIMIT",
    });
    expect(output.after).toEqual({ success: true, payload: { ok: 1 } });
    // Either isolated-vm stopped the isolate in time (""), or V8 hit a fatal OOM that was reported.
    expect(["", "Catastrophic out-of-memory error"]).toContain(output.catastrophic);
    // A lost isolate makes the sandbox (and the server's readiness) unhealthy; a stopped one does not.
    expect(output.healthy).toBe(output.catastrophic === "");
  });
});
