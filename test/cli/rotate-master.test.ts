import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../../src/auth/index.ts";
import { configContext } from "../../src/catalog/catalog-deps.ts";
import { createSecretBox, keyIdOf } from "../../src/secrets/index.ts";
import {
  type FakePlaceholderApi,
  startFakePlaceholderApi,
} from "../connectors/builtin/fake-placeholder-api.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);
const GOOD_KEY = "pk-live-rotate-5e1b";
const keyA = randomBytes(32);
const keyB = randomBytes(32);
const [A, B] = [keyA.toString("base64"), keyB.toString("base64")];
const INSTANCES = 60;

/** The CLI as an operator runs it, with only the settings given. */
function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "", LOG_FORMAT: "json", ...env };
}

async function runCli(
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["bin/patchbay.js", "keys", "rotate-master"], {
      cwd: root,
      env: cliEnv(env),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("patchbay keys rotate-master without two keys", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-rotate-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  for (const [name, env] of [
    ["no key at all (embedded mode)", {}],
    ["one key", { PATCHBAY_MASTER_KEY: A }],
    ["the same key twice", { PATCHBAY_MASTER_KEY: `${A},${A}` }],
  ] as const) {
    it(`exits 2 and explains the procedure with ${name}`, async () => {
      const result = await runCli({ PATCHBAY_DATA_DIR: dataDir, ...env });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("needs PATCHBAY_MASTER_KEY with at least two keys");
      expect(result.stderr).toContain("openssl rand -base64 32");
      expect(result.stderr).toContain('PATCHBAY_MASTER_KEY="<new>,<old>"');
      expect(result.stderr).toContain("When it reports 0 remaining, drop the old key");
      expect(result.stderr).toContain(`<contents of ${join(dataDir, "master.key")}>`);
      expect(result.stderr).not.toContain(A);
      expect(result.stdout).toBe("");
    });
  }
});

describe("patchbay keys rotate-master against a live server on PostgreSQL", () => {
  let db: TestDatabase;
  let api: FakePlaceholderApi;
  let server: TestServer | undefined;
  const adminKey = generateApiKey();
  const start = async (masterKey: string) => {
    server = await startTestServer("postgresql", {
      DATABASE_URL: db.url,
      PATCHBAY_MASTER_KEY: masterKey,
      PATCHBAY_ADMIN_KEY: adminKey,
      // The loop below calls as fast as it can for as long as the CLI runs.
      PATCHBAY_RATE_LIMITS: "off",
    });
    return server;
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server?.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  /** Starts a connection to an instance and submits no credentials of its own: the connector's test
   * command then runs with the instance config, which the server must open. */
  const connectThrough = async (slug: string, label: string) => {
    const started = await call("POST", "/api/v1/connections", { connectorSlug: slug, label });
    const id = (started.json.connection as { id: string }).id;
    return call("POST", `/api/v1/connections/${id}/credentials`, { credentials: {} });
  };
  const stored = async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string; slug: string; sealed_config: string }>(
        "select id, slug, sealed_config from connectors where sealed_config is not null order by slug",
      );
      return rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    api = await startFakePlaceholderApi(GOOD_KEY);
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
    await api?.close();
  });

  it("re-seals every instance config under the new key while the server keeps answering", async () => {
    // Server 1 knows only key A and stores the instances' secrets under it.
    await start(A);
    const config = { baseUrl: api.baseUrl, apiKey: GOOD_KEY };
    for (let i = 0; i < INSTANCES; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          call("POST", "/api/v1/connectors", {
            name: `rot-${String(i + j).padStart(2, "0")}`,
            type: "placeholder-api",
            executionModel: "built_in",
            config,
          }).then((r) => expect(r.status).toBe(200)),
        ),
      );
    }
    await server?.stop();
    const before = await stored();
    expect(before).toHaveLength(INSTANCES);
    expect(before.every((r) => r.sealed_config.startsWith(`pb1.${keyIdOf(keyA)}.`))).toBe(true);

    // Server 2 puts B first and keeps serving while the CLI runs in its own process.
    await start(`${B},${A}`);
    // The CLI goes through the rows by id. Locking the last one (not rot-59, which the loop updates)
    // holds the CLI there until the loop has made its calls during the rotation, however fast it runs.
    // The loop leaves that row alone: the server re-seals a config it opens, which would wait too.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query("begin");
    const { rows: lockedRows } = await holder.query<{ slug: string }>(
      "select slug from connectors where sealed_config is not null and slug <> 'rot-59' order by id desc limit 1 for update",
    );
    const lockedSlug = lockedRows[0]?.slug;
    let held = true;
    const release = async () => {
      if (!held) return;
      held = false;
      await holder.query("commit");
      await holder.end();
    };
    const child = spawn(process.execPath, ["bin/patchbay.js", "keys", "rotate-master", "--batch-size", "1"], {
      cwd: root,
      env: cliEnv({ DATABASE_URL: db.url, PATCHBAY_MASTER_KEY: `${B},${A}` }),
    });
    let stdout = "";
    let stderr = "";
    let rotating = false;
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("connectors.sealed_config: ")) rotating = true;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    let running = true;
    void exited.then(() => {
      running = false;
    });

    const statuses: number[] = [];
    let duringRotation = 0;
    // rot-59 gets a new config once the rotation has started, so it is left out of the loop (whose
    // credential tests need GOOD_KEY). The rotation must not undo that write, whichever reaches the row
    // first: the update before the CLI reads the row (not counted), between its read and its write
    // (skipped), or after its write (resealed).
    const updated = { baseUrl: api.baseUrl, apiKey: "pk-updated-during-rotation" };
    let putDuringRotation = false;
    for (let n = 0; running; n++) {
      const slug = `rot-${String(n % (INSTANCES - 1)).padStart(2, "0")}`;
      if (slug === lockedSlug && held) continue;
      const wasRotating = rotating;
      const got = await call("GET", `/api/v1/connectors/${slug}`);
      const connected = await connectThrough(slug, `during-${n}`);
      statuses.push(got.status, connected.status);
      expect(connected.json.connection).toMatchObject({ status: "active" });
      if (wasRotating && !putDuringRotation) {
        statuses.push((await call("PUT", "/api/v1/connectors/rot-59", { config: updated })).status);
        putDuringRotation = true;
      }
      if (wasRotating && running) duringRotation++;
      if (putDuringRotation && duringRotation > 0) await release();
    }
    await release();
    expect(await exited).toBe(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(putDuringRotation).toBe(true);
    expect(duringRotation).toBeGreaterThan(0);
    expect(stderr).toMatch(/^connectors\.sealed_config: 1\/60$/m);
    expect(stderr).toMatch(/^connectors\.sealed_config: (59|60)\/60$/m);
    expect(stdout).toMatch(/^connectors\.sealed_config: \d+ resealed, \d+ skipped, 0 failed, 0 remaining$/m);
    expect(stdout).toContain(`Every sealed value is under key ${keyIdOf(keyB)}.`);
    const [, resealed = "", skipped = ""] =
      /connectors\.sealed_config: (\d+) resealed, (\d+) skipped/.exec(stdout) ?? [];
    expect(Number(resealed) + Number(skipped)).toBeGreaterThanOrEqual(INSTANCES - 1);
    expect(Number(resealed) + Number(skipped)).toBeLessThanOrEqual(INSTANCES);
    expect(`${stdout}${stderr}`).not.toContain(GOOD_KEY);

    // Every value is now under B: B alone opens each, A alone opens none.
    const after = await stored();
    const onlyB = createSecretBox([keyB]);
    const onlyA = createSecretBox([keyA]);
    expect(after).toHaveLength(INSTANCES);
    for (const row of after) {
      expect(row.sealed_config.startsWith(`pb1.${keyIdOf(keyB)}.`)).toBe(true);
      expect(JSON.parse(onlyB.openText(row.sealed_config, configContext(row.id)))).toEqual(
        row.slug === "rot-59" ? updated : config,
      );
      expect(() => onlyA.open(row.sealed_config, configContext(row.id))).toThrow();
    }

    // A second run finds nothing left.
    const again = await runCli({ DATABASE_URL: db.url, PATCHBAY_MASTER_KEY: `${B},${A}` });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("connectors.sealed_config: 0 resealed, 0 skipped, 0 failed, 0 remaining");

    // Server 3 drops key A and still opens every instance's config.
    await server?.stop();
    await start(B);
    for (const slug of ["rot-00", "rot-31", "rot-58"]) {
      const connected = await connectThrough(slug, "after");
      expect(connected.status).toBe(200);
      expect(connected.json.connection).toMatchObject({ status: "active" });
    }
  }, 120_000);

  it("exits 1 and names the row, never the value, when a value opens with no configured key", async () => {
    const [victim] = await stored();
    if (victim === undefined) throw new Error("the previous test left no instances");
    const foreign = createSecretBox([randomBytes(32)]).seal("x", configContext(victim.id));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query("update connectors set sealed_config = $1 where id = $2", [foreign, victim.id]);
    } finally {
      await client.end();
    }
    const result = await runCli({ DATABASE_URL: db.url, PATCHBAY_MASTER_KEY: `${B},${A}` });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("connectors.sealed_config: 0 resealed, 0 skipped, 1 failed, 1 remaining");
    expect(result.stdout).toContain(
      `failed: connectors.sealed_config id=${victim.id} (sealed with unknown key ${foreign.split(".")[1]})`,
    );
    expect(result.stdout).toContain("Keep the old key(s)");
    expect(`${result.stdout}${result.stderr}`).not.toContain(foreign.split(".")[2]);
  });
});
