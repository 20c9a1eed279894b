import { readFileSync } from "node:fs";
import { CommanderError } from "commander";
import { ConfigError } from "../config.ts";
import { createProgram } from "./program.ts";
import { UsageError } from "./usage-error.ts";

/** Exit status of a usage error (unknown command or option, missing argument), as most tools use. */
const USAGE = 2;
/** Exit status of a bad setting (EX_CONFIG), the same as the server's. */
const CONFIG = 78;

/** Text on one line: a refusal is one line of standard error, whatever produced it. */
function flatten(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, " ");
}

/** Commander's refusal: `error: unknown option '--x'\n(Did you mean --y?)` → `patchbay: unknown option '--x' (did you mean --y?)`. */
function commanderLine(text: string): string {
  return `patchbay: ${flatten(
    text
      .trim()
      .replace(/^error: /, "")
      .replace(/\n\(Did you mean/, " (did you mean"),
  )}\n`;
}

function packageVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * Runs `patchbay <argv>` and answers its exit status: 0 done, 1 failed, 2 usage error, 78 bad setting,
 * -1 when the command keeps the process alive (serve). Every failure is one line on standard error.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  let status = 0;
  const program = createProgram(packageVersion(), {
    writeOut: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
    outputError: (text, write) => write(commanderLine(text)),
    finish: (code) => {
      status = code;
    },
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version answer 0; help shown because a command was missing (`patchbay`,
      // `patchbay keys`) is a usage error like every other refusal of the command line.
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
      if (error.code === "commander.help") return error.exitCode === 0 ? 0 : USAGE;
      return USAGE;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`patchbay: invalid configuration: ${error.message}\n`);
      return CONFIG;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`patchbay: ${error.message}\n`);
      return USAGE;
    }
    process.stderr.write(`patchbay: ${flatten(error instanceof Error ? error.message : String(error))}\n`);
    return 1;
  }
}
