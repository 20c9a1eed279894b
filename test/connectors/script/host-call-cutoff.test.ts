import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  createIsolatePool,
  type IsolatePool,
  type PooledIsolate,
} from "../../../src/connectors/script/isolate-pool.ts";
import { runInIsolate } from "../../../src/connectors/script/run-in-isolate.ts";

const run = promisify(execFile);
const SOURCE = `function wait() { return { got: patchbay.http.get("http://127.0.0.1:9/held").status }; }`;
const INPUT = JSON.stringify({ params: {}, config: {} });
const OK_SOURCE = "function ok() { return { payload: { ok: true } }; }";

let pool: IsolatePool | undefined;
afterEach(() => pool?.close());

describe("an execution cut off while its script waits on patchbay.http", () => {
  it("answers at once, and disposes the isolate with no host call pending, though the call ignores its cancellation", async () => {
    const open = createIsolatePool({ slots: 1, maxIdle: 1, idleMs: 60_000, logChars: 100 });
    pool = open;
    // The first isolate handed out reports how many host calls were pending when it was given back to be
    // disposed (the pool disposes an isolate that hit a limit as it is released).
    let first: PooledIsolate | undefined;
    const pendingAtRelease: number[] = [];
    const watched: IsolatePool = {
      ...open,
      acquire: async (...args) => {
        const slot = await open.acquire(...args);
        first ??= slot;
        return slot;
      },
      release: (slot, healthy) => {
        if (slot === first) pendingAtRelease.push(slot.hostCalls());
        open.release(slot, healthy);
      },
    };
    const controller = new AbortController();
    // An HTTP function that ignores its cancellation and answers only when the test says so.
    let answerLate: () => void = () => undefined;
    const result = runInIsolate(watched, SOURCE, "wait", INPUT, {
      tenant: "tenant-a",
      signal: controller.signal,
      http: () =>
        new Promise((resolve) => {
          answerLate = () => resolve({ status: 200, body: "late", headers: {} });
          controller.abort();
        }),
    });
    expect(await result).toMatchObject({ success: false, errorCode: "SCRIPT_ABORTED" });
    await expect.poll(() => first?.isolate.isDisposed).toBe(true);
    expect(pendingAtRelease).toEqual([0]);
    // The one slot is free again: the next execution runs, on a new isolate.
    const ok = () => runInIsolate(watched, OK_SOURCE, "ok", INPUT, { tenant: "tenant-a" });
    expect(await ok()).toMatchObject({ success: true, payload: { ok: true } });
    // The late answer goes nowhere, and the pool goes on serving.
    answerLate();
    await new Promise((turn) => setImmediate(turn));
    expect(await ok()).toMatchObject({ success: true, payload: { ok: true } });
  });

  it("makes no host call once told the execution has ended, even when the script catches and retries", async () => {
    const open = createIsolatePool({ slots: 1, maxIdle: 1, idleMs: 60_000, logChars: 100 });
    pool = open;
    let slot: PooledIsolate | undefined;
    const watched: IsolatePool = {
      ...open,
      acquire: async (...args) => {
        slot = await open.acquire(...args);
        return slot;
      },
    };
    const controller = new AbortController();
    const retrying = `function wait() {
      for (;;) {
        try { patchbay.http.get("http://127.0.0.1:9/held"); } catch (error) { /* and again */ }
      }
    }`;
    const result = runInIsolate(watched, retrying, "wait", INPUT, {
      tenant: "tenant-a",
      signal: controller.signal,
      http: ({ signal }) =>
        new Promise((_, reject) => {
          signal?.addEventListener("abort", () => setImmediate(() => reject(new Error("cancelled"))));
          controller.abort();
        }),
    });
    expect(await result).toMatchObject({ success: false, errorCode: "SCRIPT_ABORTED" });
    // The script keeps looping until its isolate is disposed, but its calls no longer reach the host.
    await expect.poll(() => slot?.hostCalls()).toBe(0);
    const seen: number[] = [];
    for (let turn = 0; turn < 50 && slot?.isolate.isDisposed === false; turn++) {
      seen.push(slot.hostCalls());
      await new Promise((next) => setImmediate(next));
    }
    expect(seen.filter((calls) => calls > 0)).toEqual([]);
    await expect.poll(() => slot?.isolate.isDisposed).toBe(true);
  });

  it("never takes the process down, over thousands of such executions", async () => {
    // With each isolate disposed at once, this loop crashed (isolated-vm's memory corrupted: a glibc
    // mutex assertion or an abort) within 250 rounds in each of five runs.
    const script = fileURLToPath(new URL("./cut-off-during-host-calls.ts", import.meta.url));
    const { stdout } = await run(process.execPath, [script, "250"], { timeout: 600_000 });
    expect(stdout.trim()).toBe(`done ${250 * 32}`);
  }, 600_000);
});
