import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/health/v1/health_pb.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

interface Started {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Starts `node src/main.ts` on a free port and waits for its "listening" log line. */
async function startProcess(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ["src/main.ts"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      PATCHBAY_PORT: "0",
      PATCHBAY_HOST: "127.0.0.1",
      LOG_FORMAT: "json",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /"port":(\d+),[^\n]*"msg":"patchbay listening"/.exec(out);
      if (match?.[1]) {
        clearInterval(timer);
        resolve(Number(match[1]));
      }
    }, 50);
    exit.then((code) => {
      clearInterval(timer);
      reject(new Error(`exited with ${code}: ${err}`));
    });
  });
  return { child, port, stdout: () => out, stderr: () => err, exit };
}

async function listConnectors(port: number, key: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/patchbay.v1.CatalogService/ListConnectors`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: "{}",
  });
  return res.status;
}

describe("the patchbay process", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-proc-"));
    // Run as root, the embedded PostgreSQL runs as the postgres account, which must reach the data folders inside.
    await chmod(dataDir, 0o711);
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("prints a usable admin key once on the first start of an empty database, then never again", async () => {
    const env = { PATCHBAY_DATA_DIR: join(dataDir, "first") };
    const first = await startProcess(env);
    const key = /pb_[A-Za-z0-9_-]{43}/.exec(first.stderr())?.[0];
    expect(key).toBeDefined();
    expect(first.stderr()).toContain("shown only this once");
    expect(first.stderr()).toContain("Authorization: Bearer");
    expect(await listConnectors(first.port, key ?? "")).toBe(200);
    first.child.kill("SIGTERM");
    expect(await first.exit).toBe(0);
    expect(first.stdout()).not.toContain(key ?? "-");

    const second = await startProcess(env);
    expect(second.stderr()).not.toMatch(/pb_[A-Za-z0-9_-]{43}/);
    expect(await listConnectors(second.port, key ?? "")).toBe(200);
    second.child.kill("SIGINT");
    expect(await second.exit).toBe(0);
  });

  it("stores PATCHBAY_ADMIN_KEY hashed and never prints it", async () => {
    const key = `pb_${randomBytes(32).toString("base64url")}`;
    const started = await startProcess({
      PATCHBAY_DATA_DIR: join(dataDir, "given"),
      PATCHBAY_ADMIN_KEY: key,
    });
    expect(await listConnectors(started.port, key)).toBe(200);
    started.child.kill("SIGTERM");
    await started.exit;
    expect(started.stdout() + started.stderr()).not.toContain(key);
  });

  it("drains on SIGTERM: an open health watch ends, and the process exits 0", async () => {
    const started = await startProcess({
      PATCHBAY_DATA_DIR: join(dataDir, "drain"),
      PATCHBAY_SHUTDOWN_TIMEOUT_MS: "2000",
      PATCHBAY_DRAIN_DELAY_MS: "0",
    });
    const health = createClient(Health, createGrpcTransport({ baseUrl: `http://127.0.0.1:${started.port}` }));
    const seen: HealthCheckResponse_ServingStatus[] = [];
    const watching = (async () => {
      for await (const res of health.watch({ service: "" })) seen.push(res.status);
    })().catch(() => undefined);
    await expect.poll(() => seen.length).toBeGreaterThan(0);
    started.child.kill("SIGTERM");
    expect(await started.exit).toBe(0);
    await watching;
    expect(seen[0]).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect(started.stdout()).toContain('"msg":"stopped"');
  });

  it("refuses a bad setting with one line naming it", async () => {
    const result = await run(process.execPath, ["src/main.ts"], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", PATCHBAY_PORT: "eighty" },
    }).catch((e: { code: number; stderr: string; stdout: string }) => e);
    expect("code" in result && result.code).toBe(78);
    expect(result.stderr).toBe(
      'patchbay: invalid configuration: PATCHBAY_PORT must be a whole number from 0 to 65535 (got "eighty")\n',
    );
  });
});

describe("the patchbay command line against a running server on PostgreSQL", () => {
  let db: TestDatabase;
  let started: Started;
  let env: Record<string, string>;
  const adminKey = `pb_${randomBytes(32).toString("base64url")}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = {
      DATABASE_URL: db.url,
      PATCHBAY_MASTER_KEY: randomBytes(32).toString("base64"),
      PATCHBAY_ADMIN_KEY: adminKey,
    };
    started = await startProcess(env);
  });
  afterAll(async () => {
    started?.child.kill("SIGTERM");
    await started?.exit;
    await db?.drop();
  });

  const cli = (...args: string[]) =>
    run(process.execPath, ["bin/patchbay.js", ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", ...env },
    });

  it("creates, lists and revokes keys; a revoked key stops working at once", async () => {
    const created = await cli(
      "keys",
      "create",
      "--subject",
      "ci-bot",
      "--scope",
      "catalog:read",
      "--name",
      "ci",
      "--json",
    );
    const { key, prefix, scopes } = JSON.parse(created.stdout) as {
      key: string;
      prefix: string;
      scopes: string[];
    };
    expect(scopes).toEqual(["catalog:read"]);
    expect(key.startsWith(prefix)).toBe(true);
    expect(await listConnectors(started.port, key)).toBe(200);

    const listed = await cli("keys", "list");
    expect(listed.stdout).toContain(prefix);
    expect(listed.stdout).not.toContain(key);

    await cli("keys", "revoke", prefix);
    expect(await listConnectors(started.port, key)).toBe(401);
  });

  it("explains a bad scope and a missing subject", async () => {
    const bad = await cli("keys", "create", "--subject", "x", "--scope", "everything").catch(
      (e: { stderr: string; code: number }) => e,
    );
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.stderr).toContain("unknown scope(s): everything");
    const missing = await cli("keys", "create", "--scope", "admin").catch(
      (e: { stderr: string; code: number }) => e,
    );
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain("--subject");
  });

  it("migrate reports an up-to-date database", async () => {
    const result = await cli("migrate");
    expect(result.stdout).toBe("database (postgresql) is up to date\n");
  });
});
