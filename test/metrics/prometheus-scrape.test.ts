import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const PROMETHEUS = "/usr/bin/prometheus";

/** A port free on loopback now (Prometheus takes no port 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

interface QueryAnswer {
  status: string;
  data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

// Debian's Prometheus scrapes a Patchbay on loopback, and a query through its HTTP API reads what the
// calls made: the exposition works with the real consumer, not only with a parser of ours.
describe.skipIf(!existsSync(PROMETHEUS))(
  `Prometheus scraping Patchbay (${PROMETHEUS}; apt-get install -y prometheus)`,
  () => {
    let t: TestServer;
    let prometheus: ChildProcess | undefined;
    let dir = "";
    let api = "";

    beforeAll(async () => {
      t = await startTestServer("postgresql", { PATCHBAY_METRICS_PORT: "0" });
      dir = mkdtempSync(join(tmpdir(), "patchbay-prometheus-"));
      writeFileSync(
        join(dir, "prometheus.yml"),
        [
          "global:",
          "  scrape_interval: 1s",
          "scrape_configs:",
          "  - job_name: patchbay",
          "    static_configs:",
          `      - targets: ["127.0.0.1:${t.server.metricsPort}"]`,
          "",
        ].join("\n"),
      );
      const port = await freePort();
      api = `http://127.0.0.1:${port}`;
      prometheus = spawn(
        PROMETHEUS,
        [
          `--config.file=${join(dir, "prometheus.yml")}`,
          `--storage.tsdb.path=${join(dir, "data")}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: "ignore" },
      );
    }, 120_000);
    afterAll(async () => {
      prometheus?.kill("SIGKILL");
      await t?.stop();
      if (dir !== "") rmSync(dir, { recursive: true, force: true });
    });

    it("reads Patchbay's call counts through Prometheus' query API", async () => {
      const headers = { authorization: `Bearer ${t.adminKey}` };
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${t.url}/api/v1/connectors`, { headers });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      const query = encodeURIComponent(
        'patchbay_rpc_requests_total{procedure="/patchbay.v1.CatalogService/ListConnectors",protocol="rest",code="ok"}',
      );
      const read = async (): Promise<number> => {
        const res = await fetch(`${api}/api/v1/query?query=${query}`).catch(() => undefined);
        if (res === undefined || !res.ok) return -1;
        const answer = (await res.json()) as QueryAnswer;
        return Number(answer.data?.result[0]?.value[1] ?? -1);
      };
      await expect.poll(read, { timeout: 90_000, interval: 500 }).toBe(3);
    }, 120_000);
  },
);
