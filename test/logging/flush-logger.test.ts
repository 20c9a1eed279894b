import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

// A key derivation that keeps a thread-pool thread busy for well over the few milliseconds a test's
// synchronous steps take.
const BUSY_ITERATIONS = 300_000;

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "patchbay-flush-logger-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The `n` of every JSON line in `file`, in file order. */
function loggedNumbers(file: string): number[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => (JSON.parse(line) as { n: number }).n);
}

describe("flushLogger, in a process about to exit", () => {
  const loggerUrl = new URL("../../src/logging/logger.ts", import.meta.url).href;
  const flushUrl = new URL("../../src/logging/flush-logger.ts", import.meta.url).href;

  /** Runs `script` with its standard output going to a file; answers the file's `n`s once it has exited. */
  async function run(script: string): Promise<number[]> {
    const file = join(dir, "stdout.log");
    const fd = openSync(file, "w");
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", fd, "pipe"],
    });
    closeSync(fd);
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // Bounded so that a process kept alive fails the test rather than hanging it.
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
    clearTimeout(killer);
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: "" });
    return loggedNumbers(file);
  }

  it("keeps its lines in order when it awaits flushLogger before process.exit, a batch still being written", async () => {
    // The first ten lines are handed over (logger.flush) while the thread pool is busy, so their write is
    // still waiting when the process exits; the exit-time write of the next ten would overtake it.
    const script = `
      const { pbkdf2 } = await import("node:crypto");
      const { createLogger } = await import(${JSON.stringify(loggerUrl)});
      const { flushLogger } = await import(${JSON.stringify(flushUrl)});
      const logger = createLogger({ level: "info", format: "json" });
      for (let i = 0; i < 4; i++) pbkdf2("patchbay", "salt", ${BUSY_ITERATIONS}, 64, "sha512", () => {});
      for (let n = 0; n < 10; n++) logger.info({ n }, "line");
      logger.flush();
      for (let n = 10; n < 20; n++) logger.info({ n }, "line");
      await flushLogger(logger, 60_000);
      process.exit(0);
    `;
    expect(await run(script)).toEqual(upTo(20));
  });
});
