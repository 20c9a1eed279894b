import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { sign } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { generateApiKey } from "../../src/auth/index.ts";
import { bearer, grpc, loadPatchbayProtos, unary } from "../support/grpc-js-client.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { type ReadinessProxy, startReadinessProxy } from "../support/readiness-proxy.ts";
import { type SpawnedServer, spawnServer } from "../support/spawn-server.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);
const SECRET = "rolling-restart-webhook-secret";
/** Callers that keep gRPC calls going, and senders that keep webhook deliveries going, all through the proxy. */
const GRPC_CALLERS = 6;
const WEBHOOK_SENDERS = 4;
/** Long enough that such a call is still running when its replica stops taking new connections. */
const LONG_CALL_MS = 2500;

const protos = loadPatchbayProtos() as unknown as { patchbay: { v1: Record<string, typeof grpc.Client> } };

/** One call's outcome, for the failure report. */
interface Failure {
  readonly what: string;
  readonly error: string;
}

// Three `node src/main.ts` processes on one PostgreSQL behind a loopback load balancer that polls /readyz,
// restarted one after another with SIGTERM (a new one started and ready first) under steady load: the
// drain sequence (not ready, serve through the delay, GOAWAY, drain) must cost no call, and every
// accepted webhook delivery must be stored exactly once.
describe("rolling restart of three replicas on postgresql behind a readiness-polling proxy", () => {
  let db: TestDatabase;
  let proxy: ReadinessProxy;
  const running = new Set<SpawnedServer>();
  const adminKey = generateApiKey();
  let env: Record<string, string>;

  async function startReplica(): Promise<SpawnedServer> {
    const replica = await spawnServer(env, 120_000);
    running.add(replica);
    proxy.add(replica.url);
    // Traffic reaches it only once the proxy has seen it ready, as a load balancer's would.
    await vi.waitFor(() => expect(proxy.ready()).toContain(replica.url), { timeout: 60_000, interval: 50 });
    return replica;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    env = {
      DATABASE_URL: db.url,
      PATCHBAY_MASTER_KEY: randomBytes(32).toString("base64"),
      PATCHBAY_ADMIN_KEY: adminKey,
      PATCHBAY_PUBLIC_URL: "https://hooks.example.test",
      PATCHBAY_DRAIN_DELAY_MS: "1500",
      PATCHBAY_SHUTDOWN_TIMEOUT_MS: "30000",
      PATCHBAY_DB_POOL_MAX: "4",
      PATCHBAY_SCRIPT_PROCESSES: "1",
      // The load here is the test's own: limits and shedding would refuse calls for reasons of their own.
      PATCHBAY_RATE_LIMITS: "off",
      PATCHBAY_CONCURRENCY_LIMITS: "off",
      PATCHBAY_SHED_EVENT_LOOP_DELAY_MS: "0",
      PATCHBAY_SHED_DB_WAITING: "0",
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
    };
    // The migration step of a deployment, before any replica starts.
    const migrated = await run(process.execPath, ["bin/patchbay.js", "migrate"], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    expect(migrated.stdout).toMatch(/^applied \d+ migration/);
    proxy = await startReadinessProxy({ pollMs: 100 });
    await startReplica();
    await Promise.all([startReplica(), startReplica()]);
  }, 300_000);

  afterAll(async () => {
    await Promise.all([...running].map((replica) => replica.kill("SIGTERM")));
    await proxy?.close();
    await db?.drop();
  }, 120_000);

  it("answers every call and stores every accepted webhook delivery exactly once", async () => {
    const channel = (service: string) => {
      const Service = protos.patchbay.v1[service] as typeof grpc.Client;
      return new Service(new URL(proxy.url).host, grpc.credentials.createInsecure());
    };
    const execute = channel("ExecuteService");
    const catalog = channel("CatalogService");
    const webhooks = channel("WebhookService");
    const auth = bearer(adminKey);
    const { response } = await unary<{ endpoint?: { id: string } }>(
      webhooks,
      "createEndpoint",
      { provider: "github", connectorSlug: "github", secret: SECRET },
      auth,
    );
    const endpointId = response.endpoint?.id ?? "";
    expect(endpointId).not.toBe("");

    const failures: Failure[] = [];
    const accepted: string[] = [];
    let calls = 0;
    let stopLoad = false;

    const grpcCaller = async (n: number) => {
      for (let i = 0; !stopLoad; i++) {
        const kind = i % 10 === 9 ? "delay" : i % 2 === 0 ? "echo" : "list";
        try {
          if (kind === "list") {
            const listed = await unary<{ connectors?: unknown[] }>(
              catalog,
              "listConnectors",
              { pageSize: 5 },
              auth,
            );
            if ((listed.response.connectors ?? []).length === 0) throw new Error("empty catalog page");
          } else {
            const params =
              kind === "delay"
                ? { fields: { delayMs: { numberValue: LONG_CALL_MS } } }
                : { fields: { message: { stringValue: `call ${n}.${i}` } } };
            const executed = await unary<{ payload?: unknown }>(
              execute,
              "execute",
              { connectorSlug: kind, command: kind === "delay" ? "wait" : "echo", params },
              auth,
            );
            if (kind === "echo" && !JSON.stringify(executed.response.payload).includes(`call ${n}.${i}`))
              throw new Error("echo answered something else");
          }
          calls += 1;
        } catch (error) {
          failures.push({ what: kind, error: String((error as Error).message ?? error) });
        }
      }
    };

    let serial = 0;
    const webhookSender = async () => {
      while (!stopLoad) {
        serial += 1;
        const delivery = `rolling-${serial}`;
        // Its own body, so its own signature: GitHub's delivery id is not signed.
        const body = JSON.stringify({ action: "opened", issue: { title: delivery }, repository: { id: 1 } });
        try {
          const answer = await fetch(`${proxy.url}/api/v1/connectors/webhooks/github/${endpointId}`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "x-github-event": "issues",
              "x-github-delivery": delivery,
              "x-hub-signature-256": await sign(SECRET, body),
            },
            body,
          });
          await answer.arrayBuffer();
          if (answer.status === 204) accepted.push(delivery);
          else failures.push({ what: "webhook", error: `status ${answer.status}` });
        } catch (error) {
          failures.push({ what: "webhook", error: String((error as Error).message ?? error) });
        }
      }
    };

    const load = Promise.all([
      ...Array.from({ length: GRPC_CALLERS }, (_, n) => grpcCaller(n)),
      ...Array.from({ length: WEBHOOK_SENDERS }, webhookSender),
    ]);
    try {
      await expect.poll(() => calls, { timeout: 60_000 }).toBeGreaterThan(50);
      for (const old of [...running]) {
        const replacement = await startReplica();
        const callsBefore = calls;
        const deliveriesBefore = accepted.length;
        const exit = await old.kill("SIGTERM");
        proxy.remove(old.url);
        running.delete(old);
        expect(exit, old.output()).toBe("exit 0");
        // Each phase of the drain, in order, and nothing cut.
        const phases = old
          .output()
          .split("\n")
          .filter((line) => line.includes('"msg":"stopping') || line.includes('"msg":"stopped"'))
          .map((line) => (JSON.parse(line) as { msg: string }).msg.split(";")[0]);
        expect(phases).toEqual([
          "stopping: not ready",
          "stopping: refusing new connections",
          "stopping: connections closed",
          "stopped",
        ]);
        // The load went on while it stopped, and the new replica took its share.
        await expect.poll(() => calls, { timeout: 60_000 }).toBeGreaterThan(callsBefore + 20);
        await expect.poll(() => accepted.length, { timeout: 60_000 }).toBeGreaterThan(deliveriesBefore + 10);
        await expect
          .poll(() => proxy.routed.get(replacement.url) ?? 0, { timeout: 60_000 })
          .toBeGreaterThan(10);
      }
    } finally {
      stopLoad = true;
      await load;
    }

    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(100);
    expect(accepted.length).toBeGreaterThan(30);

    // Read back through the API: every accepted delivery is there, once.
    const stored: string[] = [];
    let pageToken = "";
    do {
      const page = await unary<{ events?: { providerEventId: string }[]; nextPageToken?: string }>(
        webhooks,
        "listEvents",
        { endpointId, pageSize: 200, pageToken },
        auth,
      );
      stored.push(...(page.response.events ?? []).map((event) => event.providerEventId));
      pageToken = page.response.nextPageToken ?? "";
    } while (pageToken !== "");
    expect(stored.length).toBe(new Set(stored).size);
    expect([...stored].sort()).toEqual([...accepted].sort());
    for (const client of [execute, catalog, webhooks]) client.close();
  }, 600_000);
});
