import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive as alive } from "../../src/db/embedded/is-alive.ts";
import { type Database, EmbeddedPostgresError, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";

const run = promisify(execFile);
const logger = createLogger({ level: "silent", format: "json" });

/** The pid and port of the running server, from its postmaster.pid (undefined when there is none). */
async function postmaster(dataDir: string): Promise<{ pid: number; port: number } | undefined> {
  const text = await readFile(join(dataDir, "postgres", "postmaster.pid"), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const lines = text.split("\n");
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

async function selectOne(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query("select 1 as one")).rows[0]?.one);
  } finally {
    await client.end();
  }
}

const open = (dataDir: string) =>
  openDatabase({ databaseUrl: undefined, dataDir, poolMax: 2, logger, entities: ENTITIES });

describe("the embedded PostgreSQL server", () => {
  let dataDir: string;
  let first: Database | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-embedded-"));
    // A setting of Patchbay's, as the service has them, that must not reach the server's processes.
    process.env.PATCHBAY_MASTER_KEY_MARKER = "not-for-postgres";
  });
  afterAll(async () => {
    delete process.env.PATCHBAY_MASTER_KEY_MARKER;
    await first?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("creates a cluster on first start, with its password in a file only the owner reads", async () => {
    first = await open(dataDir);
    expect(first.kind).toBe("embedded");
    const url = new URL(first.url);
    expect(url.hostname).toBe("127.0.0.1");
    expect(url.username).toBe("patchbay");
    expect(await first.ping(10_000)).toBe(true);
    const password = await stat(join(dataDir, "postgres.password"));
    expect(password.mode & 0o777).toBe(0o600);
    expect((await readFile(join(dataDir, "postgres.password"), "utf8")).trim()).toBe(
      decodeURIComponent(url.password),
    );
    // The password is required: the same URL without it is refused.
    const withoutPassword = new URL(first.url);
    withoutPassword.password = "";
    await expect(selectOne(withoutPassword.toString())).rejects.toThrow();
    expect(await selectOne(first.url)).toBe(1);
  });

  it("lets a second user attach to the running server, and keeps it running when that one leaves", async () => {
    if (first === undefined) throw new Error("needs the first test");
    const running = await postmaster(dataDir);
    const second = await open(dataDir);
    expect(second.url).toBe(first.url);
    expect(await postmaster(dataDir)).toEqual(running);
    await second.close();
    expect(await first.ping(10_000)).toBe(true);
    expect(await selectOne(first.url)).toBe(1);
  });

  it("is stopped by the last user to leave, and started again by the next", async () => {
    if (first === undefined) throw new Error("needs the first test");
    const running = await postmaster(dataDir);
    if (running === undefined) throw new Error("no postmaster.pid while the server runs");
    await first.close();
    first = undefined;
    expect(alive(running.pid)).toBe(false);
    expect(await postmaster(dataDir)).toBeUndefined();
    first = await open(dataDir);
    expect(await first.ping(10_000)).toBe(true);
  });

  it("connects as a role that is no superuser, and keeps Patchbay's settings out of the server's environment", async () => {
    if (first === undefined) throw new Error("needs the first test");
    const client = new pg.Client({ connectionString: first.url });
    await client.connect();
    try {
      const role = await client.query("select rolsuper from pg_roles where rolname = current_user");
      expect(role.rows[0]?.rolsuper).toBe(false);
      await expect(client.query("select pg_read_file('postgresql.conf')")).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await client.end();
    }
    const running = await postmaster(dataDir);
    if (running === undefined) throw new Error("no postmaster.pid while the server runs");
    const environ = await readFile(`/proc/${running.pid}/environ`, "utf8");
    expect(environ).not.toContain("PATCHBAY_");
    expect(environ).toContain("LC_ALL=C");
  });

  it("starts again at the port it had, after a crash that left a postmaster.pid of another process", async () => {
    if (first === undefined) throw new Error("needs the first test");
    const port = new URL(first.url).port;
    await first.close();
    first = undefined;
    // A stale file as a crash leaves it, naming a live process that is no PostgreSQL (this one).
    await writeFile(join(dataDir, "postgres", "postmaster.pid"), `${process.pid}\n${dataDir}\n0\n1\n\n`);
    first = await open(dataDir);
    expect(new URL(first.url).port).toBe(port);
    expect(await first.ping(10_000)).toBe(true);
  });

  it("outlives a user that is killed, and the next user to leave stops it", async () => {
    await first?.close();
    first = undefined;
    // A process that opens the database and then waits to be killed.
    const script = `
      const { openDatabase } = await import(${JSON.stringify(new URL("../../src/db/index.ts", import.meta.url).href)});
      const { createLogger } = await import(${JSON.stringify(new URL("../../src/logging/logger.ts", import.meta.url).href)});
      await openDatabase({ databaseUrl: undefined, dataDir: ${JSON.stringify(dataDir)}, poolMax: 1, logger: createLogger({ level: "silent", format: "json" }), entities: [] });
      process.stdout.write("open\\n");
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("open")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`the child exited (${code}) before opening`)));
    });
    const running = await postmaster(dataDir);
    if (running === undefined) throw new Error("the child did not start the server");
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(alive(running.pid)).toBe(true);
    const next = await open(dataDir);
    expect(new URL(next.url).port).toBe(String(running.port));
    await next.close();
    expect(alive(running.pid)).toBe(false);
  });
});

describe("two processes starting the embedded server on a fresh data folder at once", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-embedded-race-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("make one cluster, and both use it", async () => {
    const script = `
      const { openDatabase } = await import(${JSON.stringify(new URL("../../src/db/index.ts", import.meta.url).href)});
      const { createLogger } = await import(${JSON.stringify(new URL("../../src/logging/logger.ts", import.meta.url).href)});
      const db = await openDatabase({ databaseUrl: undefined, dataDir: ${JSON.stringify(dataDir)}, poolMax: 1, logger: createLogger({ level: "silent", format: "json" }), entities: [] });
      const ok = await db.ping(30_000);
      process.stdout.write(JSON.stringify({ url: db.url, ok }));
      await db.close();
    `;
    const both = await Promise.all(
      [0, 1].map(() =>
        run(process.execPath, ["--input-type=module", "-e", script], { timeout: 240_000 }).then(
          ({ stdout }) => JSON.parse(stdout) as { url: string; ok: boolean },
        ),
      ),
    );
    expect(both.map((r) => r.ok)).toEqual([true, true]);
    expect(new URL(both[0]?.url ?? "").password).toBe(new URL(both[1]?.url ?? "").password);
    // The last one out stopped it; the cluster opens again with the password on file.
    const again = await open(dataDir);
    expect(await again.ping(10_000)).toBe(true);
    await again.close();
  });
});

describe("a data folder from the earlier embedded database (PGlite)", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-pglite-"));
    await mkdir(join(dataDir, "pgdata"));
    await writeFile(join(dataDir, "pgdata", "PG_VERSION"), "17\n");
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("is refused with one line saying how to go on, and left as it was", async () => {
    const refused = await open(dataDir).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EmbeddedPostgresError);
    expect((refused as Error).message).toMatch(/earlier Patchbay \(PGlite\).*mv .*pgdata.*DATABASE_URL/);
    expect(await readFile(join(dataDir, "pgdata", "PG_VERSION"), "utf8")).toBe("17\n");
    expect(await postmaster(dataDir)).toBeUndefined();
  });

  it("makes npm start print that line and exit 1", async () => {
    const failed = await run(process.execPath, ["src/main.ts"], {
      env: { ...process.env, PATCHBAY_DATA_DIR: dataDir, PATCHBAY_PORT: "0", LOG_FORMAT: "json" },
      timeout: 120_000,
    }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).toBe(1);
    const lines = (failed?.stderr ?? "").trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^patchbay: .*earlier Patchbay \(PGlite\)/);
  });
});
