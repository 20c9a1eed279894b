// Run by host-call-cutoff.test.ts in a process of its own (a crash here must not take a test worker
// down): executions cut off by their wall time or an abort while their script waits on `patchbay.http`,
// round after round, on one pool, with host calls that answer at random times and reject a turn after
// their cancellation, or (one in four) ignore it and answer up to 1.2 s later. Prints `done <executions>`
// when every round has settled.
//
//   node test/connectors/script/cut-off-during-host-calls.ts <rounds>
import { createIsolatePool } from "../../../src/connectors/script/isolate-pool.ts";
import { runInIsolate } from "../../../src/connectors/script/run-in-isolate.ts";
import type { ScriptHttpResponse } from "../../../src/connectors/script/run-script-options.ts";

const rounds = Number(process.argv[2] ?? 100);
const PER_ROUND = 32;
const SOURCE = `function wait() { return { got: patchbay.http.get("http://127.0.0.1:9/held").status }; }`;
const INPUT = JSON.stringify({ params: {}, config: {} });

const pool = createIsolatePool({ slots: 8, maxIdle: 16, idleMs: 60_000, logChars: 100 });

/** Answers after up to 50 ms, or rejects on the turn after its cancellation; never touches the network. */
function heldCall({ signal }: { signal?: AbortSignal }): Promise<ScriptHttpResponse> {
  if (Math.random() < 0.25) {
    // Deaf to its cancellation: answers whenever it answers.
    return new Promise((resolve) =>
      setTimeout(() => resolve({ status: 200, body: "late", headers: {} }), Math.random() * 1200),
    );
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve({ status: 200, body: "ok", headers: {} }), Math.random() * 50);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        setImmediate(() => reject(new Error("cancelled")));
      },
      { once: true },
    );
  });
}

let settled = 0;
for (let round = 0; round < rounds; round++) {
  const results = await Promise.all(
    Array.from({ length: PER_ROUND }, (_, i) => {
      const controller = new AbortController();
      const wallMs = 5 + Math.floor(Math.random() * 40);
      // Some end by the caller's abort, some by their wall time, a few milliseconds apart.
      setTimeout(() => controller.abort(), wallMs + (i % 3));
      return runInIsolate(
        pool,
        SOURCE,
        "wait",
        INPUT,
        { tenant: `tenant-${i % 4}`, limits: { wallMs }, signal: controller.signal, http: heldCall },
        i % 2 === 0 ? 0 : 3,
      );
    }),
  );
  settled += results.length;
}
pool.close();
process.stdout.write(`done ${settled}\n`);
