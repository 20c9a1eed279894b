import { readFileSync } from "node:fs";

/**
 * Whether a process with this id runs. One of another user counts (signalling it is merely refused); a
 * zombie does not (it has exited, and its parent has not collected it yet: a process whose parent
 * exited is adopted by pid 1, which on some machines never collects it).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    // No /proc (macOS): the signal's answer is all there is.
    return true;
  }
}
