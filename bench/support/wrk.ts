import { execFileSync } from "node:child_process";

/** One wrk run: throughput, latency percentiles, failed responses, successful responses. */
export interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  /**
   * Non-2xx responses and socket errors; with a script from `wrkScript`, every answer that did not pass
   * its check (non-2xx included) and socket errors.
   */
  errors: number;
  /** Successful responses counted by wrk. */
  ok: number;
  /** Of `errors`, those that are socket errors (connect, read, write, timeout: no answer at all). */
  socketErrors?: number;
}

/** `12.3ms`, `870.00us`, `1.02s` → milliseconds. */
export function ms(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
}

/**
 * Runs wrk (Debian package `wrk`, one thread) with a Lua request script against a loopback URL (a script
 * from `wrkScript` also checks each answer's body).
 */
export function wrk(url: string, script: string, connections: string, seconds: string): WrkResult {
  const out = execFileSync(
    "wrk",
    ["-t", "1", "-c", connections, "-d", `${seconds}s`, "--latency", "-s", script, url],
    { encoding: "utf8" },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = ms(/\n\s+50%\s+(\S+)/.exec(out)?.[1] ?? "");
  const p99 = ms(/\n\s+99%\s+(\S+)/.exec(out)?.[1] ?? "");
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? Number.NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const unexpected = /unexpected answers: (\d+)/.exec(out)?.[1];
  const bad = unexpected === undefined ? non2xx : Number(unexpected);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return { rps, p50, p99, errors: bad + socketErrors, ok: total - bad, socketErrors };
}

/** The median of a list (NaN when empty). */
export const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
