import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * The CPU time so far (user + system, ms) of every process named `postgres` on this machine (the
 * postmaster, its background processes and every backend), by pid, from /proc (Linux; PostgreSQL on
 * the same machine, under the same /proc).
 */
export function postgresCpu(): Map<number, number> {
  // Asked once per sample, not per process (as processCpuMs does): a sample should be quick.
  const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  const cpu = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "postgres") continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // utime and stime: fields 14 and 15, counted after the command name's closing parenthesis.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpu.set(Number(entry), ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return cpu;
}

/**
 * PostgreSQL's CPU time between two samples, in ms: what each process used in between, a process that
 * started in between counted whole (all its time is in the window), and the pids in `exclude` (other
 * databases' backends) left out. A backend that ended in between is lost: benchmarks keep their
 * connections open.
 */
export function postgresCpuBetween(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
  exclude: ReadonlySet<number> = new Set(),
): number {
  let total = 0;
  for (const [pid, ms] of after) {
    if (exclude.has(pid)) continue;
    total += ms - (before.get(pid) ?? 0);
  }
  return total;
}
