import { execFile } from "node:child_process";
import { ms, type WrkResult } from "./wrk.ts";

/**
 * `wrk()` (bench/support/wrk.ts) without blocking the benchmark's event loop, so that several wrk
 * processes can load several servers at once: the same flags (one thread, `--latency`, a Lua script) and
 * the same reading of its report.
 */
export function wrkAsync(
  url: string,
  script: string,
  connections: string,
  seconds: string,
): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "wrk",
      ["-t", "1", "-c", connections, "-d", `${seconds}s`, "--latency", "-s", script, url],
      { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
      (error, out) => {
        if (error) {
          reject(error);
          return;
        }
        const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
        const p50 = ms(/\n\s+50%\s+(\S+)/.exec(out)?.[1] ?? "");
        const p99 = ms(/\n\s+99%\s+(\S+)/.exec(out)?.[1] ?? "");
        const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? Number.NaN);
        const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
        const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
        const unexpected = /unexpected answers: (\d+)/.exec(out)?.[1];
        const bad = unexpected === undefined ? non2xx : Number(unexpected);
        const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
        resolve({ rps, p50, p99, errors: bad + socketErrors, ok: total - bad, socketErrors });
      },
    );
  });
}

/**
 * Sends the deliveries of `deliveriesFile` to `url` at `perSecond` for `seconds` from a process of its own
 * (bench/support/open-loop-deliveries.ts), an open loop, and reads its report as a {@link WrkResult}.
 */
export function openLoopAsync(
  url: string,
  deliveriesFile: string,
  perSecond: number,
  seconds: string,
): Promise<WrkResult> {
  const script = new URL("./open-loop-deliveries.ts", import.meta.url).pathname;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [script, url, deliveriesFile, String(perSecond), seconds],
      { encoding: "utf8", maxBuffer: 1024 * 1024 },
      (error, out) => {
        if (error) {
          reject(error);
          return;
        }
        const report = JSON.parse(out.trim()) as {
          ok: number;
          errors: number;
          failures: Record<string, number>;
          rps: number;
          p50: number;
          p99: number;
        };
        const { failures, ...result } = report;
        if (report.errors > 0) process.stderr.write(`open loop ${url}: failed ${JSON.stringify(failures)}\n`);
        resolve({ ...result, socketErrors: 0 });
      },
    );
  });
}
