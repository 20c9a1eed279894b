import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { sign } from "@octokit/webhooks-methods";
import pg from "pg";
import { Webhook } from "standardwebhooks";
import { describe, it } from "vitest";
import {
  type Job,
  ListEventsResponseSchema,
  ListJobsResponseSchema,
  type WebhookEvent,
} from "../../gen/patchbay/v1/webhook_pb.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { type SpawnedServer, spawnServer } from "../support/spawn-server.ts";

// Issue 8: "kill the server with SIGKILL while jobs run, restart, and every job completes exactly once
// from the consumer's point of view (idempotent delivery with the event id)".

/**
 * Deliveries. More than the delivery worker ever holds at once (2 batches of 16) plus KILL_AFTER, so
 * some events have not reached the consumer yet when the server is killed.
 */
const EVENTS = 40;
/** The server is killed once the consumer has answered this many deliveries and holds others. */
const KILL_AFTER = 5;
/**
 * A killed worker's jobs stop getting heartbeats (refreshed every 5 s); the supervisor of the restarted
 * server (every PATCHBAY_JOB_SUPERVISE_S = 1 s) fails them about 10 s after the last one, and they are
 * retried after the first backoff (5–10 s) on its next poll (1 s): measured about 21 s from the kill,
 * restart included. The wait allows 60 s; the test, which also starts two servers, 120 s.
 */
const RECOVERY_MS = 60_000;
const TEST_TIMEOUT_MS = 120_000;
const GITHUB_SECRET = "crash-test-github-secret";

/** What the consumer did with one delivery it processed (the first copy of a webhook-id). */
interface Processed {
  readonly providerEventId: string;
  readonly bodyEventId: string;
}

/**
 * A consumer of HTTPS deliveries on loopback, written as the docs ask: it verifies each delivery's
 * Standard Webhooks signature, processes a webhook-id once and answers a redelivery 204 without
 * processing it again. Processing is slow (300–500 ms before the 204). It starts paused (deliveries
 * wait unprocessed until `resume()`), so the kill can come while deliveries are in flight however
 * long the provider's POSTs took.
 */
async function startConsumer(signingSecret: string) {
  const verifier = new Webhook(signingSecret);
  const processed = new Map<string, Processed>();
  /** Times each GitHub delivery was processed: the business effect that must happen exactly once. */
  const effects = new Map<string, number>();
  const redelivered = new Map<string, number>();
  /** Webhook-ids processed but not yet answered. */
  const open = new Set<string>();
  const refused: string[] = [];
  let arrivals = 0;
  let answered = 0;
  let paused = true;
  const waiting: (() => void)[] = [];
  const watchers = new Set<() => void>();
  const changed = () => {
    for (const watch of watchers) watch();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      res.on("error", () => {});
      const handle = () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const header = (name: keyof IncomingHttpHeaders) => String(req.headers[name] ?? "");
        let message: { data?: { id?: string; providerEventId?: string } };
        try {
          message = verifier.verify(body, {
            "webhook-id": header("webhook-id"),
            "webhook-timestamp": header("webhook-timestamp"),
            "webhook-signature": header("webhook-signature"),
          }) as typeof message;
        } catch (error) {
          refused.push((error as Error).message);
          res.writeHead(400).end();
          return;
        }
        const id = header("webhook-id");
        arrivals++;
        if (processed.has(id)) {
          redelivered.set(id, (redelivered.get(id) ?? 0) + 1);
          res.writeHead(204).end();
          changed();
          return;
        }
        const providerEventId = String(message.data?.providerEventId);
        processed.set(id, { providerEventId, bodyEventId: String(message.data?.id) });
        effects.set(providerEventId, (effects.get(providerEventId) ?? 0) + 1);
        open.add(id);
        changed();
        setTimeout(
          () => {
            open.delete(id);
            if (!res.destroyed) res.writeHead(204).end();
            answered++;
            changed();
          },
          300 + Math.floor(Math.random() * 200),
        );
      };
      if (paused) waiting.push(handle);
      else handle();
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    processed,
    effects,
    redelivered,
    open,
    refused,
    arrivals: () => arrivals,
    answered: () => answered,
    resume() {
      paused = false;
      for (const handle of waiting.splice(0)) handle();
    },
    /** Resolves as soon as `condition` holds (checked on every arrival and answer), or fails after `ms`. */
    when(condition: () => boolean, what: string, ms = 30_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`the consumer waited ${ms} ms for ${what}`));
        }, ms);
        const check = () => {
          if (!condition()) return;
          clearTimeout(timer);
          watchers.delete(check);
          resolve();
        };
        watchers.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}

/** GETs a REST path with the admin key and returns the JSON body. */
async function getJson(base: string, key: string, path: string): Promise<JsonValue> {
  const response = await fetch(new URL(path, base), { headers: { authorization: `Bearer ${key}` } });
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as JsonValue;
}

/** Every job of an endpoint, through REST ListJobs, page by page. */
async function listJobs(base: string, key: string, endpointId: string): Promise<Job[]> {
  const jobs: Job[] = [];
  let token = "";
  do {
    const page = fromJson(
      ListJobsResponseSchema,
      await getJson(
        base,
        key,
        `/api/v1/jobs?endpointId=${endpointId}&pageSize=200&pageToken=${encodeURIComponent(token)}`,
      ),
    );
    jobs.push(...page.jobs);
    token = page.nextPageToken;
  } while (token !== "");
  return jobs;
}

/** Every event of an endpoint, through REST ListEvents, page by page. */
async function listEvents(base: string, key: string, endpointId: string): Promise<WebhookEvent[]> {
  const events: WebhookEvent[] = [];
  let token = "";
  do {
    const page = fromJson(
      ListEventsResponseSchema,
      await getJson(
        base,
        key,
        `/api/v1/webhook-endpoints/${endpointId}/events?pageSize=200&pageToken=${encodeURIComponent(token)}`,
      ),
    );
    events.push(...page.events);
    token = page.nextPageToken;
  } while (token !== "");
  return events;
}

async function countEvents(url: string, endpointId: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      "select count(*)::int as n from webhook_events where endpoint_id = $1",
      [endpointId],
    );
    return Number((rows[0] as { n: number }).n);
  } finally {
    await client.end();
  }
}

/** "succeeded:3 running:2", sorted. */
function tally(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()]
    .sort()
    .map(([value, n]) => `${value}:${n}`)
    .join(" ");
}

const BACKENDS = ["postgresql", "embedded"] as const;

describe("webhook jobs survive a SIGKILLed server", () => {
  it.concurrent.for(BACKENDS)(
    "on %s: after a restart every event reaches an idempotent consumer exactly once and no job is dead",
    { timeout: TEST_TIMEOUT_MS },
    async (backend, { expect, annotate }) => {
      const signingSecret = `whsec_${randomBytes(32).toString("base64")}`;
      const adminKey = `pb_${randomBytes(32).toString("base64url")}`;
      const consumer = await startConsumer(signingSecret);
      const dataDir = await mkdtemp(join(tmpdir(), "patchbay-crash-"));
      let database: TestDatabase | undefined;
      const servers: SpawnedServer[] = [];
      try {
        database = backend === "postgresql" ? await createTestDatabase() : undefined;
        const env: Record<string, string> = {
          PATCHBAY_ADMIN_KEY: adminKey,
          PATCHBAY_RATE_LIMITS: "off",
          PATCHBAY_EGRESS_ALLOW: "127.0.0.1/32",
          PATCHBAY_JOB_SUPERVISE_S: "1",
          PATCHBAY_SHUTDOWN_TIMEOUT_MS: "2000",
          PATCHBAY_DRAIN_DELAY_MS: "0",
          LOG_FORMAT: "json",
          ...(database
            ? { DATABASE_URL: database.url, PATCHBAY_MASTER_KEY: randomBytes(32).toString("base64") }
            : { PATCHBAY_DATA_DIR: dataDir }),
        };
        const first = await spawnServer(env);
        servers.push(first);
        const auth = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };

        const created = await fetch(`${first.url}/api/v1/webhook-endpoints`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({
            provider: "github",
            connectorSlug: "github",
            secret: GITHUB_SECRET,
            target: { https: { url: consumer.url, signingSecret } },
          }),
        });
        expect(created.status).toBe(200);
        const endpointId = String(((await created.json()) as { endpoint: { id: string } }).endpoint.id);

        const deliveries = Array.from({ length: EVENTS }, (_, i) => ({
          id: randomUUID(),
          body: JSON.stringify({
            action: "opened",
            issue: { number: i + 1, title: `Crash ${i + 1}` },
            repository: { id: 1 },
          }),
        }));
        const statuses = await Promise.all(
          deliveries.map(async ({ id, body }) => {
            const response = await fetch(`${first.url}/api/v1/connectors/webhooks/github/${endpointId}`, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "x-github-event": "issues",
                "x-github-delivery": id,
                "x-hub-signature-256": await sign(GITHUB_SECRET, body),
              },
              body,
            });
            return response.status;
          }),
        );
        expect(statuses).toEqual(Array(EVENTS).fill(204));

        consumer.resume();
        await consumer.when(
          () => consumer.answered() >= KILL_AFTER && consumer.open.size > 0,
          `${KILL_AFTER} answered deliveries while others are held`,
        );
        first.process.kill("SIGKILL");
        const killedAt = Date.now();
        // Processed, not yet answered: the killed server never learnt that these succeeded.
        const inFlightAtKill = new Set(consumer.open);
        const processedAtKill = consumer.processed.size;
        expect(await first.exited).toBe("SIGKILL");
        if (backend === "embedded") {
          // The killed process could not leave the embedded server: it still runs, and the restart
          // attaches to it (the dead process's lease no longer counts).
          const pid = Number(
            (await readFile(join(dataDir, "postgres", "postmaster.pid"), "utf8")).split("\n")[0],
          );
          expect(() => process.kill(pid, 0)).not.toThrow();
        }
        expect(inFlightAtKill.size, "deliveries in flight when the server was killed").toBeGreaterThan(0);
        expect(processedAtKill, "events processed before the kill").toBeLessThan(EVENTS);

        await annotate(
          `killed with ${processedAtKill}/${EVENTS} events processed, ${inFlightAtKill.size} of them unanswered`,
        );
        const second = await spawnServer(env);
        servers.push(second);
        const restartedMs = Date.now() - killedAt;

        let jobs: Job[] = [];
        /** Job states over time (seconds after the kill), for the report. */
        const timeline: string[] = [];
        for (;;) {
          jobs = await listJobs(second.url, adminKey, endpointId);
          const histogram = tally(
            jobs.map((job) => (job.lastErrorCode ? `${job.state}(${job.lastErrorCode})` : job.state)),
          );
          if (timeline.at(-1)?.endsWith(histogram) !== true) {
            timeline.push(`${((Date.now() - killedAt) / 1000).toFixed(1)}s ${histogram}`);
          }
          const dead = jobs.filter((job) => job.state === "dead");
          expect(dead, "dead jobs").toEqual([]);
          const done =
            jobs.length === EVENTS &&
            jobs.every((job) => job.state === "succeeded") &&
            consumer.processed.size >= EVENTS;
          if (done) break;
          if (Date.now() - killedAt > RECOVERY_MS) {
            const states = jobs.map((job) => `${job.state}/${job.attempts}/${job.lastErrorCode}`);
            throw new Error(
              `not recovered ${RECOVERY_MS} ms after the kill: ${consumer.processed.size}/${EVENTS} processed; jobs ${states.join(" ")}\n${second.output().slice(-4000)}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        const recoveredMs = Date.now() - killedAt;

        const events = await listEvents(second.url, adminKey, endpointId);
        expect(events).toHaveLength(EVENTS);
        if (database) expect(await countEvents(database.url, endpointId)).toBe(EVENTS);
        // No delivery lost: every GitHub delivery is one stored event, and one job.
        expect(events.map((event) => event.providerEventId).sort()).toEqual(
          deliveries.map((delivery) => delivery.id).sort(),
        );
        expect(jobs.map((job) => job.eventId).sort()).toEqual(events.map((event) => event.id).sort());

        // Exactly once for the consumer: the webhook-ids it processed are the events' ids, the body
        // names the same event, and each GitHub delivery had its effect once (a redelivery under a
        // new webhook-id would have been processed twice).
        expect([...consumer.processed.keys()].sort()).toEqual(events.map((event) => event.id).sort());
        for (const [webhookId, processed] of consumer.processed)
          expect(processed.bodyEventId).toBe(webhookId);
        expect([...consumer.effects.entries()].sort()).toEqual(
          deliveries.map((delivery) => [delivery.id, 1]).sort(),
        );
        expect(consumer.refused).toEqual([]);
        // What the kill cut short came again after the restart, with the same webhook-id.
        for (const id of inFlightAtKill) {
          expect(consumer.redelivered.get(id), `redeliveries of ${id}`).toBeGreaterThanOrEqual(1);
        }
        const jobByEvent = new Map(jobs.map((job) => [job.eventId, job]));
        for (const id of inFlightAtKill) {
          expect(jobByEvent.get(id)?.attempts, `attempts of ${id}'s job`).toBeGreaterThanOrEqual(2);
        }

        const redeliveries = [...consumer.redelivered.values()].reduce((sum, n) => sum + n, 0);
        await annotate(
          `${processedAtKill}/${EVENTS} events processed before the SIGKILL (${inFlightAtKill.size} unanswered); ` +
            `restarted in ${restartedMs} ms; all succeeded ${recoveredMs} ms after the kill; ` +
            `${consumer.arrivals()} deliveries, ${redeliveries} redeliveries of ${consumer.redelivered.size} events, ` +
            `each processed once; jobs: ${timeline.join(", ")}`,
        );
        await second.kill("SIGTERM");
      } finally {
        for (const server of servers) await server.kill("SIGKILL");
        await consumer.close();
        await database?.drop();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  );
});
