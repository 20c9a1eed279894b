import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** A server in its own process (so its CPU time can be read), listening on a loopback port. */
export interface PortChild {
  readonly port: number;
  readonly process: ChildProcess;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `node <script> [...args]` (a path from the repository root) with only PATH in its environment
 * and waits for the `port=<n>` line it prints once listening.
 */
export async function startPortChild(script: string, args: readonly string[] = []): Promise<PortChild> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /port=(\d+)/.exec(out);
        if (m?.[1]) resolve(Number(m[1]));
      });
      child.once("exit", (code) => reject(new Error(`${script} exited (${code}) before listening`)));
    });
    // Nothing more is printed; keep the pipe drained anyway so a stray line cannot stall the server.
    child.stdout.resume();
    return { port, process: child, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
