import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNativeQuery, type Database, type NativeQuery, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createPageTokens, keysetPage } from "../../src/paging/index.ts";
import { type JobQueue, pullQueue, startJobQueue } from "../../src/webhooks/jobs/job-queue.ts";
import { BOSS_STATES } from "../../src/webhooks/jobs/job-row.ts";
import {
  createJobStore,
  type JobStore,
  PGBOSS_JOB_COLUMNS,
  PGBOSS_VERSION,
} from "../../src/webhooks/jobs/job-store.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

// The job store reads and writes pg-boss's private tables, which pg-boss may change in any release: these
// tests fail on an upgrade until the store has been checked against the new tables (then PGBOSS_VERSION
// moves with package.json).

describe("the job store on pg-boss's own schema", () => {
  let pg: TestDatabase;
  let dataDir: string;
  let db: Database;
  let query: NativeQuery;
  let queue: JobQueue;
  let store: JobStore;
  const tenantId = "tenant-a";
  const endpointId = randomUUID();
  // A queue of its own for the test that fetches, so it never takes the other tests' jobs.
  const leasedEndpointId = randomUUID();
  const leasedName = pullQueue(leasedEndpointId);

  beforeAll(async () => {
    pg = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-job-store-"));
    const logger = createLogger({ level: "silent", format: "json" });
    db = await openDatabase({ databaseUrl: pg.url, dataDir, poolMax: 2, logger, entities: ENTITIES });
    query = createNativeQuery(() => db.em());
    // pg-boss installs its schema as the server does.
    queue = await startJobQueue({ db, logger, superviseSeconds: 60 });
    await queue.ensurePullQueue(endpointId);
    await queue.ensurePullQueue(leasedEndpointId);
    store = createJobStore(query);
  });
  afterAll(async () => {
    await queue?.stop();
    await db?.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Enqueues one webhook job of a pull endpoint, as the receiver does. */
  async function enqueue(owner = tenantId, endpoint = endpointId): Promise<string> {
    const jobId = randomUUID();
    const data = {
      eventId: randomUUID(),
      endpointId: endpoint,
      tenantId: owner,
      targetKind: "pull" as const,
    };
    const insert = await queue.insertStatement(pullQueue(endpoint), [{ ...data, jobId, leaseSeconds: 60 }]);
    await query(insert.text, insert.values);
    return jobId;
  }

  it("is written for the installed pg-boss", async () => {
    const main = createRequire(import.meta.url).resolve("pg-boss");
    const manifest = join(main.slice(0, main.lastIndexOf("/dist/")), "package.json");
    const installed = (JSON.parse(await readFile(manifest, "utf8")) as { version: string }).version;
    expect(installed).toBe(PGBOSS_VERSION);
  });

  it("finds every column it uses in pgboss.job, with the type it expects", async () => {
    const { rows } = await query(
      "select column_name, udt_name from information_schema.columns where table_schema = 'pgboss' and table_name = 'job'",
    );
    const columns = Object.fromEntries(
      (rows as { column_name: string; udt_name: string }[]).map((row) => [row.column_name, row.udt_name]),
    );
    for (const [column, type] of Object.entries(PGBOSS_JOB_COLUMNS)) {
      expect({ column, type: columns[column] }).toEqual({ column, type });
    }
  });

  it("finds every job state the API maps in pgboss.job_state", async () => {
    const { rows } = await query(
      `select e.enumlabel from pg_enum e join pg_type t on t.oid = e.enumtypid
        join pg_namespace n on n.oid = t.typnamespace where n.nspname = 'pgboss' and t.typname = 'job_state'`,
    );
    const labels = (rows as { enumlabel: string }[]).map((row) => row.enumlabel);
    expect(labels).toEqual(expect.arrayContaining(Object.values(BOSS_STATES).flat()));
  });

  it("reads a tenant's jobs and no other tenant's", async () => {
    const mine = await enqueue();
    const theirs = await enqueue("tenant-b");
    expect((await store.find(tenantId, mine))?.state).toBe("created");
    expect(await store.find(tenantId, theirs)).toBeUndefined();
    const tokens = createPageTokens(Buffer.alloc(32, 1));
    const page = keysetPage(tokens, { scope: "jobs", filter: {}, pageToken: "", pageSize: 50 });
    const listed = await store.list(tenantId, { states: ["created"], endpointId }, page);
    expect(listed.page.map((row) => row.id)).toContain(mine);
    expect(listed.page.map((row) => row.id)).not.toContain(theirs);
    expect((await store.states([mine, theirs])).get(mine)).toBe("created");
  });

  it("leases, delays and counts dead jobs through pg-boss's columns", async () => {
    const jobId = await enqueue(tenantId, leasedEndpointId);
    const [fetched] = await queue.boss.fetch(leasedName, { batchSize: 1 });
    expect(fetched?.id).toBe(jobId);
    await store.setLease(leasedName, [jobId], 321);
    const [leased] = await store.inQueue(leasedName, [jobId]);
    expect(leased?.state).toBe("active");
    const { rows } = await query("select expire_seconds from pgboss.job where id = $1", [jobId]);
    expect(rows).toEqual([{ expire_seconds: 321 }]);

    await queue.boss.fail(leasedName, jobId, { code: "TEST" });
    await store.delayRetry(leasedName, jobId, 600);
    const [retrying] = await store.inQueue(leasedName, [jobId]);
    expect(retrying?.state).toBe("retry");
    const startAfter = new Date(String(retrying?.start_after)).getTime();
    expect(startAfter).toBeGreaterThan(Date.now() + 590_000);

    expect(await store.deadJobs([leasedEndpointId])).toEqual(new Map());
    // Dead: pg-boss would take seven more attempts to get there.
    await query("update pgboss.job set state = 'failed' where id = $1", [jobId]);
    expect(await store.deadJobs([leasedEndpointId])).toEqual(new Map([[leasedEndpointId, 1]]));
  });
});
