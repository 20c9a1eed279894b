import { spawn } from "node:child_process";
import { pbkdf2 } from "node:crypto";
import { once } from "node:events";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BatchedDestination,
  type BatchedDestinationOptions,
  type BatchSink,
} from "../../src/logging/batched-destination.ts";

// Long enough that a test waiting on the file never sees this timer fire: what arrives was handed over
// for another reason.
const NEVER_MS = 3_600_000;

let dir: string;
let opened: { destination: BatchedDestination; sink: BatchSink }[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "patchbay-batched-"));
  opened = [];
});

afterEach(async () => {
  for (const { destination, sink } of opened) {
    if ((sink as { destroyed?: boolean }).destroyed) continue;
    destination.end();
    await once(sink, "close");
  }
  await rm(dir, { recursive: true, force: true });
});

/**
 * A batched destination writing to `file` through a sink made as createLogger makes it (asynchronous
 * writes unless `sync`), once the file is open.
 */
async function batchedFile(
  file: string,
  options: BatchedDestinationOptions & { sync?: boolean },
): Promise<{ destination: BatchedDestination; sink: BatchSink }> {
  const sink = pino.destination({ dest: file, sync: options.sync ?? false, minLength: 1 });
  await once(sink, "ready");
  const destination = new BatchedDestination(sink, options);
  opened.push({ destination, sink });
  return { destination, sink };
}

/** The `n` fields of the lines in `file`, in file order; throws on a line that is not whole JSON. */
function loggedNumbers(file: string): number[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => (JSON.parse(line) as { n: number }).n);
}

const upTo = (count: number) => Array.from({ length: count }, (_, i) => i);

// A key derivation that keeps a thread-pool thread busy for well over the few milliseconds a test's
// synchronous steps take.
const BUSY_ITERATIONS = 300_000;

/** Occupies each of the thread pool's (default) 4 threads; settles when they are free again. */
function occupyThreadPool(): Promise<unknown> {
  return Promise.all(upTo(4).map(() => promisify(pbkdf2)("patchbay", "salt", BUSY_ITERATIONS, 64, "sha512")));
}

describe("BatchedDestination", () => {
  it("writes gathered lines, whole and in order, once the interval has passed", async () => {
    const file = join(dir, "out.log");
    const logger = pino({}, (await batchedFile(file, { intervalMs: 100 })).destination);
    for (const n of upTo(5)) logger.info({ n }, "line");
    await expect.poll(() => loggedNumbers(file)).toEqual(upTo(5));
  });

  it("keeps lines below the batch length gathered and hands the batch over whole when it reaches it", async () => {
    const file = join(dir, "out.log");
    // A synchronous sink writes what it is handed before returning, so the file shows each hand-over.
    const { destination } = await batchedFile(file, { sync: true, batchLength: 4096, intervalMs: NEVER_MS });
    const logger = pino({}, destination);
    let logged = 0;
    while (readFileSync(file, "utf8") === "") {
      expect(logged).toBeLessThan(1_000);
      logger.info({ n: logged, pad: "x".repeat(100) }, "line");
      logged += 1;
    }
    const text = readFileSync(file, "utf8");
    const lastLine = text.slice(text.lastIndexOf("\n", text.length - 2) + 1);
    expect(text.length).toBeGreaterThanOrEqual(4096);
    expect(text.length - lastLine.length).toBeLessThan(4096);
    expect(loggedNumbers(file)).toEqual(upTo(logged));
  });

  it("hands a full batch to an asynchronous sink without waiting for the interval", async () => {
    const file = join(dir, "out.log");
    const logger = pino({}, (await batchedFile(file, { intervalMs: NEVER_MS })).destination);
    // 40 lines of over 100 characters: past 4 KiB well before the last; the lines after stay gathered.
    for (const n of upTo(40)) logger.info({ n, pad: "x".repeat(100) }, "line");
    await expect.poll(() => readFileSync(file, "utf8").length).toBeGreaterThanOrEqual(4096);
    const written = loggedNumbers(file);
    expect(written).toEqual(upTo(written.length));
    expect(written.length).toBeLessThan(40);
  });

  it("flushSync writes everything gathered before returning, with the thread pool busy", async () => {
    const file = join(dir, "out.log");
    const { destination } = await batchedFile(file, { intervalMs: NEVER_MS });
    const logger = pino({}, destination);
    for (const n of upTo(3)) logger.info({ n }, "line");
    // An asynchronous write queued now would wait for these (libuv's pool has 4 threads by default).
    const busy = occupyThreadPool();
    destination.flushSync();
    expect(loggedNumbers(file)).toEqual(upTo(3));
    await busy;
  });

  it("calls logger.flush's callback once the gathered lines are written", async () => {
    const file = join(dir, "out.log");
    const logger = pino({}, (await batchedFile(file, { intervalMs: NEVER_MS })).destination);
    for (const n of upTo(3)) logger.info({ n }, "line");
    await new Promise<void>((resolve, reject) =>
      logger.flush((error) => (error ? reject(error) : resolve())),
    );
    expect(loggedNumbers(file)).toEqual(upTo(3));
  });

  it("end writes what has gathered, ends the sink and leaves no exit listener behind", async () => {
    const file = join(dir, "out.log");
    const { destination, sink } = await batchedFile(file, { intervalMs: NEVER_MS });
    const listeners = () => process.listenerCount("exit");
    const idle = listeners();
    const logger = pino({}, destination);
    for (const n of upTo(3)) logger.info({ n }, "line");
    expect(listeners()).toBe(idle + 1);
    destination.end();
    expect(listeners()).toBe(idle);
    await once(sink, "close");
    expect(loggedNumbers(file)).toEqual(upTo(3));
  });
});

describe("a process logging through createLogger", () => {
  const loggerUrl = new URL("../../src/logging/logger.ts", import.meta.url).href;
  const batchedUrl = new URL("../../src/logging/batched-destination.ts", import.meta.url).href;
  const pinoUrl = pathToFileURL(createRequire(import.meta.url).resolve("pino")).href;

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
    // Bounded so that a process kept alive (by a timer that should not hold it) fails the test rather
    // than hanging it.
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    // "close": the process has exited and its standard error has been read to the end.
    const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
    clearTimeout(killer);
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: "" });
    return loggedNumbers(file);
  }

  // After the lines, an exit listener of the script's own (added after the logger's) writes a last line
  // straight to the file: it lands after them only if they were all written synchronously by then. The
  // thread pool is kept busy, so that no asynchronous write could finish before the process does.
  const END = -1;
  const logLines = (count: number, options: { busy: boolean }) => `
    const { writeSync } = await import("node:fs");
    const { pbkdf2 } = await import("node:crypto");
    const { createLogger } = await import(${JSON.stringify(loggerUrl)});
    const logger = createLogger({ level: "info", format: "json" });
    ${options.busy ? `for (let i = 0; i < 4; i++) pbkdf2("patchbay", "salt", ${BUSY_ITERATIONS}, 64, "sha512", () => {});` : ""}
    for (let n = 0; n < ${count}; n++) logger.info({ n, pad: "x".repeat(n % 7 === 0 ? 300 : 20) }, "line");
    process.on("exit", () => writeSync(1, '{"n":${END}}\\n'));
  `;

  it("has written every line when it calls process.exit", async () => {
    expect(await run(`${logLines(20, { busy: true })} process.exit(0);`)).toEqual([...upTo(20), END]);
  });

  it("keeps its lines in order when it awaits flushLogger before process.exit, a batch still being written", async () => {
    // The first ten lines are handed over (logger.flush) while the thread pool is busy, so their write is
    // still waiting when the process exits; the exit-time write of the next ten would overtake it.
    const flushUrl = new URL("../../src/logging/flush-logger.ts", import.meta.url).href;
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

  it("has written every line when it ends by itself", async () => {
    expect(await run(logLines(200, { busy: false }))).toEqual([...upTo(200), END]);
  });

  it("is not kept alive by lines waiting for their interval", async () => {
    const script = `
      const { pino } = await import(${JSON.stringify(pinoUrl)});
      const { BatchedDestination } = await import(${JSON.stringify(batchedUrl)});
      const sink = pino.destination({ sync: false, minLength: 1 });
      const logger = pino({}, new BatchedDestination(sink, { intervalMs: ${NEVER_MS} }));
      for (let n = 0; n < 5; n++) logger.info({ n }, "line");
    `;
    expect(await run(script)).toEqual(upTo(5));
  });
});
