import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * A process's CPU time so far (user + system, all threads), in milliseconds, from `/proc/<pid>/stat`
 * (Linux): read it before and after a load run to get the server's CPU per call.
 */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces, so cut at its closing parenthesis): state is
  // field 3, utime 14 and stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / clockTicksPerSecond();
}

function clockTicksPerSecond(): number {
  return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
}
