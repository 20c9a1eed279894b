import { readdirSync, readFileSync } from "node:fs";
import type { JsonObject } from "@bufbuild/protobuf";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { fixture } from "../connectors/openapi/fixtures.ts";
import { type HoldingUpstream, startHoldingUpstream } from "../connectors/script/holding-upstream.ts";
import { type LoopbackServer, startLoopbackServer } from "../outbound/loopback-server.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const PETSTORE = fixture("@readme/oas-examples/3.0/json/petstore.json");

// `reach` calls the URL it is given and says what happened; `wait` calls the held upstream.
const SCRIPT = `function reach() {
  try { return { payload: { reached: true, status: patchbay.http.get(patchbay.params.url).status } }; }
  catch (e) { return { payload: { reached: false, code: e.code } }; }
}
function wait() {
  return { payload: { status: patchbay.http.get(patchbay.params.url).status } };
}`;

const SCRIPT_SCHEMA = {
  connectionConfig: {},
  commands: {
    reach: { params: ["url"], description: "", outputs: [], paramSchema: { url: { type: "string" } } },
    wait: { params: ["url"], description: "", outputs: [], paramSchema: { url: { type: "string" } } },
  },
};

/** Pids of this process's children whose command line names `module` (the import worker's, here). */
function childrenRunning(module: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // `pid (comm) state ppid …`: the command name may hold spaces, so fields count from its ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(module))
        pids.push(Number(entry));
    } catch {
      // the process ended while it was being read
    }
  }
  return pids.sort((a, b) => a - b);
}

const importWorkers = () => childrenRunning("parse-openapi-worker");

/** The error code of a failed Execute (its ExecutionFailure detail). */
async function failedWith(call: Promise<unknown>): Promise<string | undefined> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return (error as ConnectError).findDetails(ExecutionFailureSchema)[0]?.errorCode;
}

// Every server builds its own outbound client, script sandbox and OpenAPI import worker: two servers in
// one process follow their own PATCHBAY_EGRESS_ALLOW, and stopping one leaves the other whole.
describe("two servers in one process", () => {
  let strict: TestServer;
  let open: TestServer;
  let strictStopped = false;
  let api: LoopbackServer;
  let upstream: HoldingUpstream;
  const headers = (t: TestServer) => ({ authorization: `Bearer ${t.adminKey}` });
  const execute = (t: TestServer, slug: string, command: string, params: JsonObject) =>
    createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url })).execute(
      { target: { case: "connectorSlug", value: slug }, command, params },
      { headers: headers(t) },
    );
  const catalog = (t: TestServer) => createClient(CatalogService, createGrpcTransport({ baseUrl: t.url }));
  const parse = (t: TestServer) =>
    catalog(t).parseOpenApi({ source: { case: "document", value: PETSTORE } }, { headers: headers(t) });

  beforeAll(async () => {
    api = await startLoopbackServer("127.0.0.1", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    upstream = await startHoldingUpstream();
    // One refuses loopback (an empty allow-list), the other allows it; both started before either calls out.
    [strict, open] = await Promise.all([
      startTestServer("postgresql", { PATCHBAY_EGRESS_ALLOW: "" }),
      startTestServer("postgresql", { PATCHBAY_EGRESS_ALLOW: "127.0.0.1/32" }),
    ]);
    for (const t of [strict, open]) {
      await catalog(t).createConnector(
        {
          name: "reacher",
          executionModel: "script",
          configSchema: SCRIPT_SCHEMA,
          scriptSource: SCRIPT,
        },
        { headers: headers(t) },
      );
    }
  });
  afterAll(async () => {
    upstream?.release();
    if (!strictStopped) await strict?.stop();
    await open?.stop();
    await upstream?.close();
    await api?.close();
  });

  it("each server's built-in connectors call out under its own allow-list", async () => {
    const url = `${api.origin}/things`;
    expect(await failedWith(execute(strict, "http", "request", { url }))).toBe("EGRESS_REFUSED");
    expect(api.requests).toHaveLength(0);
    const reached = await execute(open, "http", "request", { url });
    expect(reached.payload).toMatchObject({ status: 200, body: { ok: true } });
    expect(api.requests).toHaveLength(1);
  });

  it("each server's script sandbox calls out under its own allow-list, in processes of its own", async () => {
    const url = `${api.origin}/from-script`;
    expect((await execute(strict, "reacher", "reach", { url })).payload).toEqual({
      reached: false,
      code: "EGRESS_REFUSED",
    });
    expect(api.requests.filter((r) => r.url === "/from-script")).toHaveLength(0);
    expect((await execute(open, "reacher", "reach", { url })).payload).toEqual({
      reached: true,
      status: 200,
    });
    expect(api.requests.filter((r) => r.url === "/from-script")).toHaveLength(1);
    const [strictPids, openPids] = [strict.server.sandbox.pids(), open.server.sandbox.pids()];
    expect(strictPids.length).toBeGreaterThan(0);
    expect(openPids.length).toBeGreaterThan(0);
    expect(strictPids.filter((pid) => openPids.includes(pid))).toEqual([]);
  });

  it("stopping one leaves the other's script execution and OpenAPI import working, in flight or new", async () => {
    // Each server has imported once: each has an import worker of its own.
    const before = importWorkers();
    await Promise.all([parse(strict), parse(open)]);
    const both = importWorkers().filter((pid) => !before.includes(pid));
    expect(both).toHaveLength(2);
    const openSandbox = open.server.sandbox.pids();
    // An execution on the open server, held at the upstream while the other server stops.
    const held = execute(open, "reacher", "wait", { url: `${upstream.origin}/held` });
    await upstream.arrivals(1);

    strictStopped = true;
    await strict.stop();

    // The stopped server's worker is gone; the other's is the one that remains, and serves its next import.
    const left = importWorkers().filter((pid) => both.includes(pid));
    expect(left).toHaveLength(1);
    const drafted = await parse(open);
    expect(drafted.draft?.operations).toHaveLength(20);
    expect(importWorkers().filter((pid) => !before.includes(pid))).toEqual(left);
    const created = await catalog(open).createConnector(
      { name: "petstore", executionModel: "openapi", openapiDocument: PETSTORE },
      { headers: headers(open) },
    );
    expect(created.connector?.tools.map((tool) => tool.name)).toContain("getPetById");

    upstream.release();
    expect((await held).payload).toEqual({ status: 200 });
    expect((await execute(open, "reacher", "reach", { url: `${api.origin}/after` })).payload).toEqual({
      reached: true,
      status: 200,
    });
    // Its processes all still run (the sandbox may have started more as executions came).
    expect(open.server.sandbox.pids()).toEqual(expect.arrayContaining(openSandbox));
  });
});
