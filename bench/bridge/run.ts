// Bridge overhead benchmark: REST `GET /api/v1/connectors/http` against the same call over Connect JSON
// (`POST /patchbay.v1.CatalogService/GetConnector`), same server, same run, same concurrency, alternating
// rounds. Load comes from wrk (Debian package `wrk`) in its own process; traffic stays on 127.0.0.1.
//
//   node bench/bridge/run.ts [--connections 64] [--seconds 10] [--rounds 3]
//
// Uses a fresh PostgreSQL database on PATCHBAY_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startBenchServer } from "../support/bench-server.ts";
import { median, type WrkResult, wrk } from "../support/wrk.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "64" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
  },
});
const server = await startBenchServer();
const { key } = server;
try {
  const dir = mkdtempSync(join(tmpdir(), "patchbay-bench-"));
  const restScript = join(dir, "rest.lua");
  const connectScript = join(dir, "connect.lua");
  writeFileSync(restScript, `wrk.method = "GET"\nwrk.headers["Authorization"] = "Bearer ${key}"\n`);
  writeFileSync(
    connectScript,
    `wrk.method = "POST"\nwrk.body = '{"slug":"http"}'\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${key}"\n`,
  );
  const { base } = server;
  const restUrl = `${base}/api/v1/connectors/http`;
  const connectUrl = `${base}/patchbay.v1.CatalogService/GetConnector`;
  // Warm up both paths (JIT, pools).
  wrk(restUrl, restScript, values.connections, "3");
  wrk(connectUrl, connectScript, values.connections, "3");
  const rest: WrkResult[] = [];
  const connect: WrkResult[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    connect.push(wrk(connectUrl, connectScript, values.connections, values.seconds));
    rest.push(wrk(restUrl, restScript, values.connections, values.seconds));
  }
  const row = (name: string, rs: WrkResult[]) =>
    `| ${name} | ${median(rs.map((r) => r.rps)).toFixed(0)} | ${median(rs.map((r) => r.p50)).toFixed(2)} | ${median(rs.map((r) => r.p99)).toFixed(2)} | ${rs.reduce((a, r) => a + r.errors, 0)} |`;
  const ratio = median(rest.map((r) => r.rps)) / median(connect.map((r) => r.rps));
  process.stdout.write(
    [
      `bridge benchmark: ${values.rounds} rounds × ${values.seconds} s, ${values.connections} connections, wrk 1 thread, PostgreSQL`,
      "",
      "| path | req/s (median) | p50 ms | p99 ms | errors |",
      "|---|---|---|---|---|",
      row("Connect JSON POST GetConnector", connect),
      row("REST GET /api/v1/connectors/http", rest),
      "",
      `REST throughput = ${(ratio * 100).toFixed(1)} % of Connect JSON (target ≥ 85 %)`,
      "",
    ].join("\n"),
  );
} finally {
  await server.stop();
  await server.dropDatabase();
}
