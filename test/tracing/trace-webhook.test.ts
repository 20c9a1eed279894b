import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { sign } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import {
  spanAttribute as attribute,
  type OtlpReceiver,
  type OtlpSpan,
  startOtlpReceiver,
} from "../support/otlp-receiver.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const SECRET = "trace-webhook-secret";
/** The caller's span, in the traceparent a traced call sends. */
const CALLER_SPAN = "00f067aa0ba902b7";

// A signed GitHub delivery, traced from the receiver to its target: receive (a root: providers send no
// trace context) with its verify and store steps, then the job's delivery as the receive span's child in
// the same trace, its request to the target a child of that, and the target told its parent.
describe("traces of a webhook delivery, from receipt to its target", () => {
  let t: TestServer;
  let receiver: OtlpReceiver;
  let target: Server;
  const targetParents: string[] = [];
  const spans: OtlpSpan[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver(spans);
    target = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        targetParents.push(String(req.headers.traceparent ?? ""));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    t = await startTestServer("postgresql", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      PATCHBAY_JOB_SUPERVISE_S: "1",
    });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await receiver?.close();
    for (const server of [target]) {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    }
  });

  /** A GitHub endpoint delivering to the test's target; its id. */
  async function createEndpoint(): Promise<string> {
    const { endpoint } = await createClient(
      WebhookService,
      createGrpcTransport({ baseUrl: t.url }),
    ).createEndpoint(
      {
        provider: "github",
        connectorSlug: "github",
        secret: SECRET,
        target: {
          kind: {
            case: "https",
            value: {
              url: `http://127.0.0.1:${(target.address() as AddressInfo).port}/hook`,
              signingSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            },
          },
        },
      },
      { headers: { authorization: `Bearer ${t.adminKey}` } },
    );
    return endpoint?.id ?? "";
  }

  /** Sends a signed GitHub delivery to the endpoint; the receiver's status. */
  async function deliver(endpointId: string, deliveryId: string): Promise<number> {
    const body = JSON.stringify({ action: "opened", issue: { number: 7 }, repository: { id: 1 } });
    const res = await fetch(`${t.url}/api/v1/connectors/webhooks/github/${endpointId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": deliveryId,
        "x-hub-signature-256": await sign(SECRET, body),
      },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  }

  it("links receive, verify, store, the job's delivery and its request into one trace", async () => {
    expect(await deliver(await createEndpoint(), "trace-delivery-1")).toBe(204);

    await expect
      .poll(() => spans.some((s) => s.name === "webhook delivery") && spans.some((s) => s.name === "POST"), {
        timeout: 90_000,
        interval: 250,
      })
      .toBe(true);
    const receive = spans.find((s) => s.name === "webhook receive");
    expect(receive?.parentSpanId ?? "").toBe("");
    expect(attribute(receive, "patchbay.webhook.provider")).toBe("github");
    expect(attribute(receive, "patchbay.webhook.outcome")).toBe("accepted");
    const trace = spans.filter((s) => s.traceId === receive?.traceId);
    for (const step of ["webhook verify", "webhook store"]) {
      expect(trace.find((s) => s.name === step)?.parentSpanId, step).toBe(receive?.spanId);
    }
    const delivery = trace.find((s) => s.name === "webhook delivery");
    expect(delivery?.parentSpanId).toBe(receive?.spanId);
    expect(attribute(delivery, "patchbay.webhook.target")).toBe("https");
    const request = trace.find((s) => s.name === "POST");
    expect(request?.parentSpanId).toBe(delivery?.spanId);
    expect(targetParents).toEqual([`00-${receive?.traceId}-${request?.spanId}-01`]);
    // Nothing of the event, the secret or the endpoint's URL is in the spans.
    const text = JSON.stringify(trace);
    for (const secret of [SECRET, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "/hook", "opened"])
      expect(text).not.toContain(secret);
  }, 150_000);

  // The event writers commit on a pool of their own (pipelined): its statements are spans like the API
  // pool's, children of the store step of the delivery whose commit they are.
  it("traces the statements that commit a delivery as client spans of its store step", async () => {
    expect(await deliver(await createEndpoint(), "trace-delivery-2")).toBe(204);
    const receiveOf = () =>
      spans.find(
        (s) =>
          s.name === "webhook receive" &&
          spans.some((i) => i.traceId === s.traceId && i.name === "INSERT webhook_events"),
      );
    await expect.poll(() => receiveOf() !== undefined, { timeout: 60_000, interval: 250 }).toBe(true);
    const trace = spans.filter((s) => s.traceId === receiveOf()?.traceId);
    const store = trace.find((s) => s.name === "webhook store");
    // The store step's children: BEGIN with the turn and the events' INSERT, then the job's INSERT
    // (pg-boss's, a WITH statement named after the insert it leads to) with COMMIT. Each once.
    const statements = trace.filter((s) => s.parentSpanId === store?.spanId);
    expect(statements.map((s) => s.name).sort()).toEqual(
      ["BEGIN", "COMMIT", "INSERT webhook_events", "SELECT", "INSERT job_common"].sort(),
    );
    for (const statement of statements) {
      expect(attribute(statement, "db.system.name"), statement.name).toBe("postgresql");
      expect(statement.kind, statement.name).toBe(3); // CLIENT
      expect(attribute(statement, "server.address"), statement.name).toBe("127.0.0.1");
    }
    const insert = statements.find((s) => s.name === "INSERT webhook_events");
    expect(attribute(insert, "db.operation.name")).toBe("INSERT");
    expect(attribute(insert, "db.collection.name")).toBe("webhook_events");
    expect(insert?.status?.code ?? 0).not.toBe(2);
    expect(JSON.stringify(statements)).not.toContain("trace-delivery-2");
    const jobInsert = statements.find((s) => s.name === "INSERT job_common");
    expect(attribute(jobInsert, "db.operation.name")).toBe("INSERT");
    expect(attribute(jobInsert, "db.collection.name")).toBe("job_common");
  }, 150_000);

  // The job queue (pg-boss) runs on a pool of its own: the statements a call makes through it are spans
  // of that call like those on the API's pool, and its own polling and upkeep, which no call made, none.
  it("traces ClaimJobs' statements on the job queue's pool as client spans of the call", async () => {
    const headers = { authorization: `Bearer ${t.adminKey}` };
    const client = createClient(WebhookService, createGrpcTransport({ baseUrl: t.url }));
    const { endpoint } = await client.createEndpoint(
      { provider: "github", connectorSlug: "github", secret: SECRET },
      { headers },
    );
    expect(endpoint?.target?.kind.case).toBe("pull");
    expect(await deliver(endpoint?.id ?? "", "trace-claim-1")).toBe(204);
    const traceId = "d".repeat(32);
    const { jobs } = await client.claimJobs(
      { endpointId: endpoint?.id ?? "" },
      { headers: { ...headers, traceparent: `00-${traceId}-${CALLER_SPAN}-01` } },
    );
    expect(jobs).toHaveLength(1);

    const callOf = () =>
      spans.find((s) => s.traceId === traceId && s.name === "patchbay.v1.WebhookService/ClaimJobs");
    const fetchOf = () =>
      spans.find(
        (s) => s.traceId === traceId && s.parentSpanId === callOf()?.spanId && s.name === "UPDATE job_common",
      );
    await expect.poll(() => fetchOf() !== undefined, { timeout: 60_000, interval: 250 }).toBe(true);
    const call = callOf();
    expect(call?.parentSpanId).toBe(CALLER_SPAN);
    // pg-boss's fetch (the job queue's pool), then the lease and the rows read on the API's pool.
    const statements = spans.filter((s) => s.traceId === traceId && s.parentSpanId === call?.spanId);
    expect(statements.map((s) => s.name)).toEqual(
      expect.arrayContaining(["UPDATE job_common", "UPDATE job", "SELECT job", "SELECT webhook_events"]),
    );
    const fetched = fetchOf();
    expect(fetched?.kind).toBe(3); // CLIENT
    expect(attribute(fetched, "db.system.name")).toBe("postgresql");
    expect(attribute(fetched, "db.operation.name")).toBe("UPDATE");
    expect(attribute(fetched, "db.collection.name")).toBe("job_common");
    expect(attribute(fetched, "db.namespace")).toBe(t.database?.name);
    expect(attribute(fetched, "server.address")).toBe("127.0.0.1");
    expect(fetched?.status?.code ?? 0).not.toBe(2);
    // The job queue polls and supervises every second here (PATCHBAY_JOB_SUPERVISE_S): none of it, nor
    // any other statement, starts a trace of its own.
    expect(
      spans.filter((s) => attribute(s, "db.system.name") !== undefined && (s.parentSpanId ?? "") === ""),
    ).toEqual([]);
  }, 150_000);
});
