// The PostgreSQL anchor of bench/replicas' webhook workload: a plain writer, with Patchbay's commit
// pattern and nothing else. Rows "arrive" at a fixed rate (an open loop, on a timer, no network) and are
// committed in batches of the given average size (Patchbay's rows per transaction in the same phase: its
// batches are what arrives while the previous one commits, which depends on its whole request path, so
// the size is taken from it rather than left to this much quicker loop); a batch that waited longer, for
// its turn, takes everything that arrived. Every transaction first waits for the same kind of turn as
// Patchbay's event writers (an advisory lock of the database, another key than theirs), then inserts its
// rows (an id and a payload the size of a sealed delivery) in one multi-row INSERT, and commits. Run as
// one process at the full rate and as two at half the rate each, its backends' CPU per row shows what a
// second writer costs PostgreSQL on this machine with nothing of Patchbay's in it
// (bench/replicas/plain-writers.ts). With the table `events`
// instead of `rows`, the rows go to a copy of the webhook events table (its columns and indexes, one
// endpoint, a provider event id per row), to tell the table's share from the rest of Patchbay's.
// Prints one JSON line when done: {"rows", "transactions", "backendMs"}, its backend's CPU time (user +
// system, from /proc: PostgreSQL runs on this machine).
//
//   node bench/replicas/plain-writer.ts <database url> <rows per second> <seconds> <rows per transaction> [rows|events]
import { randomBytes, randomUUID, randomUUIDv7 } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { processCpuMs } from "../support/process-cpu.ts";

const [url, rateArg, secondsArg, batchArg, table = "rows"] = process.argv.slice(2);
if (
  url === undefined ||
  rateArg === undefined ||
  secondsArg === undefined ||
  batchArg === undefined ||
  (table !== "rows" && table !== "events")
)
  throw new Error(
    "usage: plain-writer.ts <database url> <rows per second> <seconds> <rows per transaction> [rows|events]",
  );
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const perTransaction = Math.max(1, Number(batchArg));

const client = new pg.Client({ connectionString: url, application_name: "plain-writer" });
await client.connect();
const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
const backend = rows[0]?.pid ?? 0;
const backendMs = (): number => processCpuMs(backend);

// Both take ids, times and payloads; the events table's rows also get the writer's provider event ids.
const prefix = `${randomUUID()}-`;
const INSERT =
  table === "events"
    ? {
        name: "plain-writer-insert",
        text: `insert into plain_writer_events (id, tenant_id, endpoint_id, provider, provider_event_id, event_key,
            sealed_payload, received_at, job_id)
          select id, 'tenant', '00000000-0000-4000-8000-000000000001', 'github', $4 || n, 'github.issues',
            payload, received_at, job_id
          from unnest($1::uuid[], $2::timestamptz[], $3::text[], $5::uuid[])
            with ordinality as u(id, received_at, payload, job_id, n)`,
      }
    : {
        name: "plain-writer-insert",
        text: `insert into plain_writer_rows (id, received_at, payload)
          select * from unnest($1::uuid[], $2::timestamptz[], $3::text[])`,
      };
const TURN = { name: "plain-writer-turn", text: "select pg_advisory_xact_lock(1346520406, 2)" };

let written = 0;
let transactions = 0;
const cpu0 = backendMs();
const start = performance.now();
const total = Math.round(rate * seconds);
while (written < total) {
  const arrived = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
  // The next transaction is due once its share of rows has arrived (the last one takes the rest).
  const due = arrived === total || arrived >= (transactions + 1) * perTransaction;
  const batch = due ? Math.min(256, arrived - written) : 0;
  if (batch === 0) {
    await sleep(1);
    continue;
  }
  const now = new Date();
  // Time-ordered ids, as Patchbay's event writers get them.
  const ids = Array.from({ length: batch }, () => randomUUIDv7());
  const payloads = Array.from({ length: batch }, () => randomBytes(600).toString("base64"));
  // BEGIN, the turn and the INSERT leave together, then COMMIT: two round trips, as Patchbay's batches.
  await Promise.all([
    client.query("begin"),
    client.query(TURN),
    client.query({
      ...INSERT,
      values: [
        ids,
        ids.map(() => now),
        payloads,
        ...(table === "events" ? [`${prefix}${written}-`, ids.map(() => randomUUIDv7())] : []),
      ],
    }),
  ]);
  await client.query("commit");
  written += batch;
  transactions++;
}
const used = backendMs() - cpu0;
await client.end();
process.stdout.write(`${JSON.stringify({ rows: written, transactions, backendMs: used })}\n`);
