import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { WrkResult } from "./wrk.ts";

/**
 * Runs h2load (Debian package `nghttp2-client`, one thread, one stream per connection) posting a body
 * file over cleartext HTTP/2 to a loopback URL, and returns its figures in wrk's shape. h2load prints no
 * percentiles, so latencies come from its per-request log (start µs, status, elapsed µs), written to
 * `dir` and removed after. It checks HTTP status only: a gRPC error is still a 200, which callers catch
 * with a probe and by counting what the server recorded.
 */
export function h2load(
  url: string,
  headers: readonly string[],
  bodyFile: string,
  dir: string,
  connections: string,
  seconds: string,
): WrkResult {
  const logFile = join(dir, `h2load-${randomBytes(4).toString("hex")}.log`);
  const out = execFileSync(
    "h2load",
    [
      "-t",
      "1",
      "-c",
      connections,
      "-m",
      "1",
      "-D",
      seconds,
      "-d",
      bodyFile,
      ...headers.flatMap((h) => ["-H", h]),
      `--log-file=${logFile}`,
      url,
    ],
    { encoding: "utf8" },
  );
  const requests =
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
      out,
    );
  const succeeded = Number(requests?.[4] ?? Number.NaN);
  const failed = Number(requests?.[5] ?? Number.NaN);
  const timeouts = Number(requests?.[7] ?? Number.NaN);
  const elapsed = readFileSync(logFile, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => Number(l.split("\t")[2]) / 1000)
    .sort((a, b) => a - b);
  rmSync(logFile, { force: true });
  const at = (q: number) =>
    elapsed[Math.min(elapsed.length - 1, Math.floor(q * elapsed.length))] ?? Number.NaN;
  return {
    rps: succeeded / Number(seconds),
    p50: at(0.5),
    p99: at(0.99),
    errors: failed + timeouts,
    ok: succeeded,
  };
}
