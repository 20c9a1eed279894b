import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The project root, where `bin/patchbay.js` is. */
export const root = fileURLToPath(new URL("../../", import.meta.url));

/** What one run of the command did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `patchbay <args>` as an operator would (bin/patchbay.js in a process of its own) with only the
 * given settings in its environment; `node` are options for Node itself (`--import` a hook).
 */
export function patchbay(
  args: readonly string[],
  env: Record<string, string> = {},
  node: readonly string[] = [],
): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [...node, "bin/patchbay.js", ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? "", LOG_FORMAT: "json", ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}
