import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import { COMMAND_PROOFS } from "./command-proofs.ts";
import { documentedCommands, type ShellCommand } from "./shell-commands.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);
const documented = documentedCommands(root);

/** The documented commands (their text as written) whose proof is to be run here against `target`. */
function commandsRunAgainst(target: "server" | "example"): ShellCommand[] {
  const keys = new Set(
    COMMAND_PROOFS.filter((p) => "run" in p.proof && p.proof.run === target).map(
      (p) => `${p.page}: ${p.command}`,
    ),
  );
  return documented.filter((c) => keys.has(`${c.file}: ${c.key}`));
}

/** Runs one command with bash in the repository root, node_modules/.bin first on the PATH. */
async function sh(command: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await run("bash", ["-c", command], {
    cwd: root,
    env: { ...process.env, PATH: `${root}node_modules/.bin:${process.env.PATH ?? ""}`, ...env },
    timeout: 30_000,
  });
  return stdout;
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Error bodies of Connect and the REST bridge: `{"code": "not_found", …}`. */
const ERROR_BODY = /"code"\s*:\s*"[a-z_]+"/;

// Issue 19 item 16: the documented commands that are cheap to run are run verbatim.
describe("documented commands against a server", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  const commands = commandsRunAgainst("server");
  it("covers the commands marked to run here", () => {
    expect(commands.length).toBe(
      COMMAND_PROOFS.filter((p) => "run" in p.proof && p.proof.run === "server").length,
    );
  });

  it.each(commands.map((c) => [`${c.file}:${c.line}`, c] as const))("%s succeeds", async (_, c) => {
    const hostPort = `127.0.0.1:${t.port}`;
    const command = c.text.replaceAll("localhost:8080", hostPort);
    const out = await sh(command, { KEY: t.adminKey, ADMIN: t.adminKey, PATCHBAY: t.url });
    expect(out).not.toMatch(ERROR_BODY);
    expect(out.trim()).not.toBe("");
  });
});

describe("the example external connector's README", () => {
  const commands = commandsRunAgainst("example");
  const starts = commands.filter((c) => c.key.includes("node examples/external-connector/main.ts"));
  const calls = commands.filter((c) => !starts.includes(c));
  const children: ChildProcess[] = [];
  let port = 0;

  /** Starts the connector with a start command of the README; resolves with the port it listens on. */
  async function start(command: ShellCommand): Promise<number> {
    const fixed = await freePort();
    // The README's fixed ports are swapped for free ones; the bare command listens on $PORT.
    const text = command.text.replaceAll("9191", String(fixed));
    // Its own process group, so stopping it stops the node process bash started.
    const child = spawn("bash", ["-c", text], {
      cwd: root,
      env: {
        ...process.env,
        PATH: `${root}node_modules/.bin:${process.env.PATH ?? ""}`,
        PORT: String(fixed),
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    children.push(child);
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("\n")) resolve(out);
      });
      child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const match = /listening on http:\/\/[^:]+:(\d+)/.exec(line);
    if (match?.[1] === undefined) throw new Error(line);
    return Number(match[1]);
  }

  beforeAll(async () => {
    expect(starts.length).toBe(2);
    const [first, second] = starts;
    if (first === undefined || second === undefined) throw new Error("start commands");
    port = await start(first);
    await start(second);
  });
  afterAll(() => {
    for (const child of children) if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
  });

  const expected: Record<string, RegExp> = {
    "/execute -H": /"greeting":"Hello, Ada!"/,
    "/execute -d": /^HTTP\/1\.1 400[\s\S]*x-connector-error: Missing required field\(s\): name/im,
    "/schema": /"hello"/,
    "/health": /"status":"ok"/,
    "ConnectorService/Execute -H": /"success":true/,
    Describe: /"hello"/,
    "Health/Check": /"status": "SERVING"/,
    "--schema proto --protocol grpc --http2-prior-knowledge -d": /"greeting": "Hello, Ada!"/,
  };

  it.each(calls.map((c) => [`${c.file}:${c.line}`, c] as const))("%s works as shown", async (_, c) => {
    const out = await sh(c.text.replaceAll("127.0.0.1:9090", `127.0.0.1:${port}`), {});
    const shape = Object.entries(expected).find(([part]) => c.key.includes(part))?.[1];
    expect(shape, c.key).toBeDefined();
    expect(out).toMatch(shape ?? /^$/);
  });
});
