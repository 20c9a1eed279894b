import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPipelinedTransaction, type Database, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import type { JobQueue } from "../../src/webhooks/jobs/job-queue.ts";
import { createEventWriter, type NewEvent } from "../../src/webhooks/receiver/event-writer.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

// The group commit on real PostgreSQL (the migrated schema): a row the database refuses for its data
// fails its own delivery only, never the others committed in the same batch. The receiver refuses such
// ids before they get here; this is the second net. And how big a batch gets: a lone write commits at
// once, and under concurrent load a batch waits to fill.

describe("the event writer's group commit keeps a batch's good rows", () => {
  let pgdb: TestDatabase;
  let dataDir: string;
  let db: Database;
  let events: ReturnType<typeof createPipelinedTransaction>;
  // The async context each batch's events INSERT was sent in, as the tracer's statement spans see it.
  const traced = new AsyncLocalStorage<string>();
  const insertContexts: (string | undefined)[] = [];
  const sql = (query: string, values: unknown[] = []) =>
    db.em().getConnection().execute(query, values, "all") as Promise<Record<string, unknown>[]>;
  // Jobs go to a table of the test's: what is under test is the events' batch, not pg-boss. Each row
  // keeps the lock_timeout its insert ran under.
  const jobs = {
    insertStatement: async (_queue: string, list: readonly NewEvent[]) => ({
      text: `insert into test_jobs (id, lock_timeout)
        select id, current_setting('lock_timeout') from unnest($1::uuid[]) as id`,
      values: [list.map((event) => event.jobId)],
    }),
  } as unknown as JobQueue;

  beforeAll(async () => {
    pgdb = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-writer-"));
    const logger = createLogger({ level: "silent", format: "json" });
    db = await openDatabase({
      databaseUrl: pgdb.url,
      dataDir,
      poolMax: 2,
      logger,
      entities: ENTITIES,
      observeStatement: ({ operation, collection }) => {
        if (operation === "INSERT" && collection === "webhook_events") insertContexts.push(traced.getStore());
        return undefined;
      },
    });
    await db.migrate();
    // `tx`: the transaction each job was committed in.
    await sql(
      "create table test_jobs (id uuid primary key, lock_timeout text not null, tx bigint not null default txid_current())",
    );
    // The database's own lock_timeout, which the writer's connections (opened later) start with.
    await sql(`alter database "${new URL(pgdb.url).pathname.slice(1)}" set lock_timeout = '7s'`);
    await sql(`insert into webhook_endpoints (id, tenant_id, provider, connector_slug, sealed_secret, verified,
      target_kind, target, created_at) values ('00000000-0000-4000-8000-0000000000e1', 't', 'stripe', 'stripe',
      'sealed', true, 'pull', '{}', now())`);
    events = createPipelinedTransaction({ db, connections: 1, logger });
  });
  afterAll(async () => {
    await events?.close();
    await db?.close();
    await pgdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const event = (providerEventId: string): NewEvent => ({
    eventId: randomUUID(),
    jobId: randomUUID(),
    tenantId: "t",
    endpointId: "00000000-0000-4000-8000-0000000000e1",
    provider: "stripe",
    providerEventId,
    replayKey: null,
    eventKey: "stripe.invoice.paid",
    sealedPayload: "sealed",
    receivedAt: new Date(),
    queue: "q",
    leaseSeconds: 60,
    targetKind: "pull",
  });

  it("commits the good rows of a batch that holds one the database refuses", async () => {
    const writer = createEventWriter(events.transaction, jobs);
    // Written together: the first write starts a commit, the rest wait and go as one batch.
    const writes = [
      writer.write(event("evt_first")),
      ...Array.from({ length: 20 }, (_, i) => writer.write(event(`evt_${i}`))),
      writer.write(event("evt_\u0000bad")),
    ];
    const results = await Promise.allSettled(writes);
    expect(results.slice(0, 21).map((r) => r.status)).toEqual(Array.from({ length: 21 }, () => "fulfilled"));
    expect(results[21]?.status).toBe("rejected");
    const stored = await sql("select provider_event_id from webhook_events order by provider_event_id");
    expect(stored).toHaveLength(21);
    expect(await sql("select id from test_jobs")).toHaveLength(21);
  });
  it("commits a batch that waited in the async context of its first write, not of an earlier one", async () => {
    const writer = createEventWriter(events.transaction, jobs);
    insertContexts.length = 0;
    // `a` commits at once; `b` and `c` wait for it and go together, as `b`'s: its statements belong to
    // its delivery's trace, not to `a`'s, which has ended by then.
    const writes = ["a", "b", "c"].map((name) =>
      traced.run(name, () => writer.write(event(`evt_context_${name}`))),
    );
    expect(await Promise.all(writes)).toEqual([true, true, true]);
    expect(insertContexts).toEqual(["a", "b"]);
  });
  it("runs the batch after its turn under the connection's own lock_timeout", async () => {
    const writer = createEventWriter(events.transaction, jobs);
    const written = event("evt_lock_timeout");
    await expect(writer.write(written)).resolves.toBe(true);
    // The turn waits at most 200 ms; the inserts behind it wait as long as the database says.
    expect(await sql("select lock_timeout from test_jobs where id = ?", [written.jobId])).toEqual([
      { lock_timeout: "7s" },
    ]);
  });
  it("commits without its turn when another replica's writer holds the turn and stalls", async () => {
    const writer = createEventWriter(events.transaction, jobs);
    // Another replica's writer that took the turn and stopped (a paused process): its transaction stays
    // open with the lock until it is ended below.
    const stalled = new pg.Client({ connectionString: pgdb.url });
    await stalled.connect();
    try {
      await stalled.query("begin");
      await stalled.query("select pg_advisory_xact_lock(1346520406, 1)");
      await expect(writer.write(event("evt_while_stalled"))).resolves.toBe(true);
      expect(
        await sql("select 1 from webhook_events where provider_event_id = 'evt_while_stalled'"),
      ).toHaveLength(1);
      // The stalled turn is still held: the write above did not wait for it to end.
      const held = await sql(
        `select 1 from pg_locks where locktype = 'advisory' and classid = 1346520406 and objid = 1 and granted
          and database = (select oid from pg_database where datname = current_database())`,
      );
      expect(held).toHaveLength(1);
    } finally {
      await stalled.query("rollback").catch(() => undefined);
      await stalled.end();
    }
  });

  /** The transaction each write's job was committed in. */
  const txOf = async (written: readonly NewEvent[]): Promise<string[]> => {
    const rows = await sql("select id, tx from test_jobs");
    const byId = new Map(rows.map((row) => [String(row.id), String(row.tx)]));
    return written.map((e) => byId.get(e.jobId) ?? "missing");
  };
  /** Lets the writer's callbacks of a finished commit run (microtasks, then one turn of the loop). */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

  it("commits each write at once when every write waits for the one before", async () => {
    // A wait long enough that a batch waiting to fill would time the test out.
    const writer = createEventWriter(events.transaction, jobs, { fillTo: 8, waitMs: 600_000 });
    const written = ["one", "two", "three"].map((name) => event(`evt_sequential_${name}`));
    for (const e of written) await expect(writer.write(e)).resolves.toBe(true);
    expect(new Set(await txOf(written)).size).toBe(3);
  });
  it("under concurrent load waits until a batch holds fillTo writes, then commits them together", async () => {
    const writer = createEventWriter(events.transaction, jobs, { fillTo: 4, waitMs: 600_000 });
    const [a, b, c, d, e] = ["a", "b", "c", "d", "e"].map((name) => event(`evt_fill_${name}`));
    if (a === undefined || b === undefined || c === undefined || d === undefined || e === undefined)
      throw new Error("five events");
    // `a` commits at once; `b` and `c` arrive while it commits: the load is concurrent.
    const first = writer.write(a);
    const waiting = [writer.write(b), writer.write(c)];
    await expect(first).resolves.toBe(true);
    await settle();
    // Two of four: still waiting, not committed.
    expect(writer.waiting()).toBe(2);
    expect(await txOf([b, c])).toEqual(["missing", "missing"]);
    // The fourth fills the batch: it commits at once.
    const filled = [writer.write(d), writer.write(e)];
    expect(await Promise.all([...waiting, ...filled])).toEqual([true, true, true, true]);
    const txs = await txOf([a, b, c, d, e]);
    expect(new Set(txs.slice(1)).size).toBe(1);
    expect(txs[0]).not.toBe(txs[1]);
  });
  it("commits a batch that does not fill once its first write has waited waitMs", async () => {
    const writer = createEventWriter(events.transaction, jobs, { fillTo: 8, waitMs: 20 });
    const [a, b] = ["a", "b"].map((name) => event(`evt_wait_${name}`));
    if (a === undefined || b === undefined) throw new Error("two events");
    const first = writer.write(a);
    const second = writer.write(b);
    await expect(first).resolves.toBe(true);
    await settle();
    expect(writer.waiting()).toBe(1);
    await expect(second).resolves.toBe(true);
    expect(writer.waiting()).toBe(0);
  });
  it("with waitMs 0 commits what waits as soon as the commit before it ends", async () => {
    const writer = createEventWriter(events.transaction, jobs, { fillTo: 8, waitMs: 0 });
    const [a, b] = ["a", "b"].map((name) => event(`evt_nowait_${name}`));
    if (a === undefined || b === undefined) throw new Error("two events");
    const first = writer.write(a);
    const second = writer.write(b);
    await expect(first).resolves.toBe(true);
    await settle();
    // Already taken into the next commit.
    expect(writer.waiting()).toBe(0);
    await expect(second).resolves.toBe(true);
  });
});
