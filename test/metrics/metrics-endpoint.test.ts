import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { bearer, grpc, loadPatchbayProtos, unary } from "../support/grpc-js-client.ts";
import { parsePrometheusText, type Sample, sampleValue } from "../support/prometheus-text.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const PROMTOOL = "/usr/bin/promtool";
const LIST = "/patchbay.v1.CatalogService/ListConnectors";
const GET = "/patchbay.v1.CatalogService/GetConnector";

// /metrics over the wire: every protocol's calls are counted under their own label, refusals with their
// code, and the exposition is one promtool accepts.
describe("GET /metrics on the one port", () => {
  let t: TestServer;
  const scrape = async (base = t.url): Promise<{ text: string; samples: Sample[] }> => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    return { text, samples: parsePrometheusText(text) };
  };

  beforeAll(async () => {
    t = await startTestServer("postgresql");
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("counts each protocol's calls, by procedure and code, and times them", async () => {
    const before = (await scrape()).samples;
    const headers = { authorization: `Bearer ${t.adminKey}` };
    for (const transport of [
      createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
      createGrpcWebTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    ]) {
      await createClient(CatalogService, transport).listConnectors({}, { headers });
    }
    const grpcClient = createGrpcTransport({ baseUrl: t.url });
    await createClient(CatalogService, grpcClient).listConnectors({}, { headers });
    // grpc-js, as most gRPC callers are: a call that fails with not_found.
    const Client = ((loadPatchbayProtos().patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject)
      .CatalogService as grpc.ServiceClientConstructor;
    const client = new Client(t.url.replace(/^http:\/\//, ""), grpc.credentials.createInsecure());
    try {
      await expect(
        unary(client, "getConnector", { slug: "no-such-connector" }, bearer(t.adminKey)),
      ).rejects.toMatchObject({
        code: grpc.status.NOT_FOUND,
      });
    } finally {
      client.close();
    }
    const rest = await fetch(`${t.url}/api/v1/connectors`, { headers });
    expect(rest.status).toBe(200);
    await rest.arrayBuffer();
    // No key: refused by the interceptors, counted as unauthenticated.
    const anonymous = await fetch(`${t.url}/api/v1/connectors`);
    expect(anonymous.status).toBe(401);
    await anonymous.arrayBuffer();

    const after = (await scrape()).samples;
    const moved = (labels: Record<string, string>, name = "patchbay_rpc_requests_total") =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    for (const protocol of ["connect", "grpc-web", "grpc"]) {
      expect(moved({ procedure: LIST, protocol, code: "ok" }), protocol).toBe(1);
    }
    expect(moved({ procedure: LIST, protocol: "rest", code: "ok" })).toBe(1);
    expect(moved({ procedure: LIST, protocol: "rest", code: "unauthenticated" })).toBe(1);
    expect(moved({ procedure: GET, protocol: "grpc", code: "not_found" })).toBe(1);
    expect(
      moved({ procedure: LIST, protocol: "rest", le: "+Inf" }, "patchbay_rpc_duration_seconds_bucket"),
    ).toBe(2);
    expect(moved({ procedure: LIST, protocol: "grpc" }, "patchbay_rpc_duration_seconds_count")).toBe(1);
    // Nothing in flight once every call is answered.
    expect(sampleValue(after, "patchbay_rpc_in_flight", { procedure: LIST, protocol: "rest" })).toBe(0);
    // The runtime's own metrics are there too.
    expect(sampleValue(after, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(after.some((s) => s.name === "nodejs_eventloop_lag_seconds")).toBe(true);
  }, 60_000);

  it("holds no key, tenant or connector name", async () => {
    const headers = { authorization: `Bearer ${t.adminKey}` };
    await fetch(`${t.url}/api/v1/connectors/a-private-connector-name`, { headers }).then((r) =>
      r.arrayBuffer(),
    );
    const { text } = await scrape();
    expect(text).not.toContain("a-private-connector-name");
    expect(text).not.toContain(t.adminKey.slice(0, 12));
    expect(text).not.toContain("default");
  });

  it("answers only GET and HEAD", async () => {
    const res = await fetch(`${t.url}/metrics`, { method: "POST", body: "x" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
  });

  it.skipIf(!existsSync(PROMTOOL))(
    `is accepted by promtool check metrics (${PROMTOOL}; apt-get install -y prometheus)`,
    async () => {
      const { text } = await scrape();
      // promtool prints lint findings (and exits non-zero) for a malformed or badly named metric.
      const out = execFileSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8" });
      expect(out.trim()).toBe("");
    },
  );
});

describe("PATCHBAY_METRICS_PORT and PATCHBAY_METRICS=off", () => {
  it("serves /metrics alone on its own port, and not on the one port", async () => {
    const t = await startTestServer("postgresql", { PATCHBAY_METRICS_PORT: "0" });
    try {
      expect(t.server.metricsPort).toBeGreaterThan(0);
      expect(t.server.metricsPort).not.toBe(t.port);
      const own = await fetch(`http://127.0.0.1:${t.server.metricsPort}/metrics`);
      expect(own.status).toBe(200);
      expect(await own.text()).toContain("patchbay_rpc_requests_total");
      const other = await fetch(`http://127.0.0.1:${t.server.metricsPort}/api/v1/connectors`);
      expect(other.status).toBe(404);
      await other.arrayBuffer();
      const main = await fetch(`${t.url}/metrics`);
      expect(main.status).toBe(404);
      await main.arrayBuffer();
    } finally {
      await t.stop();
    }
  }, 120_000);

  it("serves none when off", async () => {
    const t = await startTestServer("postgresql", { PATCHBAY_METRICS: "off" });
    try {
      expect(t.server.metricsPort).toBeUndefined();
      const main = await fetch(`${t.url}/metrics`);
      expect(main.status).toBe(404);
      await main.arrayBuffer();
    } finally {
      await t.stop();
    }
  }, 120_000);
});
