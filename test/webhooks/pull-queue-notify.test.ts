import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNativeQuery, type Database, type NativeQuery, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import {
  DELIVERY_QUEUE,
  type JobQueue,
  pullQueue,
  startJobQueue,
} from "../../src/webhooks/jobs/job-queue.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

// Pull queues send no NOTIFY (nothing listens for them; a notifying commit takes a cluster-wide lock),
// the delivery queue still does (its workers wake on it), and pull queues an earlier version made with
// NOTIFY on are switched off when the job queue starts.
describe("NOTIFY on the webhook job queues (PostgreSQL)", () => {
  let pg: TestDatabase;
  let dataDir: string;
  let db: Database;
  let query: NativeQuery;
  let queue: JobQueue | undefined;
  const logger = createLogger({ level: "silent", format: "json" });
  const job = (endpointId: string) => ({
    eventId: randomUUID(),
    endpointId,
    tenantId: "tenant-a",
    targetKind: "pull" as const,
    jobId: randomUUID(),
    leaseSeconds: 60,
  });

  beforeAll(async () => {
    pg = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-pull-notify-"));
    db = await openDatabase({ databaseUrl: pg.url, dataDir, poolMax: 2, logger, entities: ENTITIES });
    query = createNativeQuery(() => db.em());
  }, 60_000);
  afterAll(async () => {
    await queue?.stop();
    await db?.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The job queue of the file's database, started by the first test that needs it. */
  async function started(): Promise<JobQueue> {
    queue ??= await startJobQueue({ db, logger, superviseSeconds: 60 });
    return queue;
  }

  it("renders pull inserts without pg_notify and delivery inserts with it", async () => {
    const queue = await started();
    const endpointId = randomUUID();
    await queue.ensurePullQueue(endpointId);
    const { rows } = await query("select notify from pgboss.queue where name = $1", [pullQueue(endpointId)]);
    expect(rows).toEqual([{ notify: false }]);
    const pull = await queue.insertStatement(pullQueue(endpointId), [job(endpointId)]);
    expect(pull.text).not.toContain("pg_notify");
    const delivery = await queue.insertStatement(DELIVERY_QUEUE, [job(randomUUID())]);
    expect(delivery.text).toContain("pg_notify");
  });

  it("renders one text for every pull queue, the queue's name a parameter, and each job lands in its own queue", async () => {
    const jobs = await started();
    const [a, b] = [randomUUID(), randomUUID()];
    await jobs.ensurePullQueue(a);
    await jobs.ensurePullQueue(b);
    const jobA = job(a);
    const jobB = job(b);
    const insertA = await jobs.insertStatement(pullQueue(a), [jobA]);
    const insertB = await jobs.insertStatement(pullQueue(b), [jobB]);
    // One text, so the event writer prepares it once for every endpoint.
    expect(insertB.text).toBe(insertA.text);
    expect(insertA.text).not.toContain(a);
    expect(insertA.values.at(-1)).toBe(pullQueue(a));
    const delivery = job(randomUUID());
    const insertDelivery = await jobs.insertStatement(DELIVERY_QUEUE, [delivery]);
    expect(insertDelivery.text).not.toContain(DELIVERY_QUEUE);
    for (const insert of [insertA, insertB, insertDelivery]) await query(insert.text, [...insert.values]);
    const { rows } = await query(
      "select id::text, name from pgboss.job where id = any($1::uuid[]) order by name",
      [[jobA.jobId, jobB.jobId, delivery.jobId]],
    );
    expect(rows).toEqual(
      [
        { id: jobA.jobId, name: pullQueue(a) },
        { id: jobB.jobId, name: pullQueue(b) },
        { id: delivery.jobId, name: DELIVERY_QUEUE },
      ].sort((x, y) => x.name.localeCompare(y.name)),
    );
  });

  it("switches off NOTIFY on pull queues made with it, when the job queue starts again", async () => {
    const endpointId = randomUUID();
    await queue?.ensurePullQueue(endpointId);
    // As an earlier version left it.
    await query("update pgboss.queue set notify = true where name = $1", [pullQueue(endpointId)]);
    await queue?.stop();
    queue = await startJobQueue({ db, logger, superviseSeconds: 60 });
    const { rows } = await query(
      "select name, notify from pgboss.queue where name like 'webhook-%' order by name",
    );
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows as { name: string; notify: boolean }[]) {
      expect(row.notify, row.name).toBe(row.name === DELIVERY_QUEUE);
    }
    const pull = await queue.insertStatement(pullQueue(endpointId), [job(endpointId)]);
    expect(pull.text).not.toContain("pg_notify");
  });
});
