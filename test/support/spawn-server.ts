import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** A Patchbay process (`node src/main.ts`) run as a child, for tests that kill it and start another. */
export interface SpawnedServer {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Everything it wrote so far (stdout, then stderr), for failure messages. */
  output(): string;
  /** Resolves with the exit code or signal once the process has ended. */
  readonly exited: Promise<string>;
  /** Sends the signal (unless it already ended) and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<string>;
}

/**
 * Starts `node src/main.ts` with only these settings (and PATH) on a free loopback port, and waits for
 * its "patchbay listening" log line (LOG_FORMAT=json, LOG_LEVEL info or lower) to learn the port.
 */
export async function spawnServer(env: Record<string, string>, timeoutMs = 60_000): Promise<SpawnedServer> {
  const child = spawn(process.execPath, ["src/main.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", PATCHBAY_PORT: "0", PATCHBAY_HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const output = () => `${out}${err}`;
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? `exit ${code}`)),
  );
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const port = await Promise.race([
      new Promise<number>((resolve) => {
        timer = setInterval(() => {
          const port = listeningPort(out);
          if (port !== undefined) resolve(port);
        }, 50);
      }),
      exited.then((how) =>
        Promise.reject(new Error(`patchbay ended (${how}) before listening:\n${output()}`)),
      ),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`patchbay did not listen within ${timeoutMs} ms:\n${output()}`)),
          timeoutMs,
        ).unref(),
      ),
    ]);
    return { url: `http://127.0.0.1:${port}`, port, process: child, output, exited, kill };
  } catch (error) {
    await kill("SIGKILL");
    throw error;
  } finally {
    clearInterval(timer);
  }
}

function listeningPort(log: string): number | undefined {
  for (const line of log.split("\n")) {
    if (!line.includes('"patchbay listening"')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
      if (entry.msg === "patchbay listening" && typeof entry.port === "number") return entry.port;
    } catch {}
  }
  return undefined;
}
