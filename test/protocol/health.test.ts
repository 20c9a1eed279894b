import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { ConnectRouter } from "@connectrpc/connect";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import type { MethodDefinition, ServiceDefinition } from "@grpc/proto-loader";
import { loadSync } from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/health/v1/health_pb.ts";
import type { HealthOptions } from "../../src/protocol/health.ts";
import { registerHealth } from "../../src/protocol/health.ts";

/** Messages as @grpc/proto-loader decodes them (enums as names). */
interface CheckRequest {
  service: string;
}
interface CheckResponse {
  status: string;
}
interface ListResponse {
  statuses: Record<string, CheckResponse>;
}

const definition = loadSync("node_modules/grpc-health-check/proto/health/v1/health.proto", {
  enums: String,
  defaults: true,
});
const methods = definition["grpc.health.v1.Health"] as ServiceDefinition;
const checkMethod = methods.Check as MethodDefinition<CheckRequest, CheckResponse>;
const watchMethod = methods.Watch as MethodDefinition<CheckRequest, CheckResponse>;
const listMethod = methods.List as MethodDefinition<object, ListResponse>;

interface Running {
  readonly address: string;
  readonly client: grpc.Client;
  close(): Promise<void>;
}

async function start(options: HealthOptions): Promise<Running> {
  const server = http2.createServer(
    connectNodeAdapter({ routes: (router: ConnectRouter) => registerHealth(router, options) }),
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => sessions.add(session));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return {
    address,
    client,
    async close() {
      client.close();
      // Idle client sessions (Connect keeps one) and a stream the server failed to end would hold close() open.
      for (const session of sessions) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function check(running: Running, service: string): Promise<CheckResponse> {
  return new Promise((resolve, reject) => {
    const { path, requestSerialize, responseDeserialize } = checkMethod;
    running.client.makeUnaryRequest(path, requestSerialize, responseDeserialize, { service }, (err, value) =>
      err || value === undefined ? reject(err) : resolve(value),
    );
  });
}

function list(running: Running): Promise<ListResponse> {
  return new Promise((resolve, reject) => {
    const { path, requestSerialize, responseDeserialize } = listMethod;
    running.client.makeUnaryRequest(path, requestSerialize, responseDeserialize, {}, (err, value) =>
      err || value === undefined ? reject(err) : resolve(value),
    );
  });
}

/** Opens a Watch stream; `statuses` fills as updates arrive, `cancel` ends it from the client side. */
function watch(running: Running, service: string): { statuses: string[]; cancel(): void } {
  const { path, requestSerialize, responseDeserialize } = watchMethod;
  const call = running.client.makeServerStreamRequest(path, requestSerialize, responseDeserialize, {
    service,
  });
  const statuses: string[] = [];
  call.on("data", (response: CheckResponse) => statuses.push(response.status));
  call.on("error", () => {}); // Cancelling surfaces as a CANCELLED error.
  return { statuses, cancel: () => call.cancel() };
}

describe("grpc.health.v1 over a real gRPC client", () => {
  let healthy = true;
  let running: Running;

  beforeAll(async () => {
    running = await start({
      services: ["patchbay.v1.CatalogService"],
      check: () => Promise.resolve(healthy),
      watchIntervalMs: 5,
      cacheMs: 20,
    });
  });
  afterAll(() => running.close());

  it("reports SERVING for the server, a listed service and the health service while check() is true", async () => {
    healthy = true;
    await vi.waitFor(async () => expect((await check(running, "")).status).toBe("SERVING"));
    expect((await check(running, "patchbay.v1.CatalogService")).status).toBe("SERVING");
    expect((await check(running, "grpc.health.v1.Health")).status).toBe("SERVING");
  });

  it("reports NOT_SERVING once check() turns false and the cached result expires", async () => {
    healthy = false;
    await vi.waitFor(async () => expect((await check(running, "")).status).toBe("NOT_SERVING"));
    healthy = true;
    await vi.waitFor(async () => expect((await check(running, "")).status).toBe("SERVING"));
  });

  it("fails Check for an unknown service with NOT_FOUND", async () => {
    await expect(check(running, "no.such.Service")).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it("lists every known service with its status", async () => {
    healthy = true;
    await vi.waitFor(async () =>
      expect(await list(running)).toEqual({
        statuses: {
          "": { status: "SERVING" },
          "grpc.health.v1.Health": { status: "SERVING" },
          "patchbay.v1.CatalogService": { status: "SERVING" },
        },
      }),
    );
  });

  it("streams SERVING, then NOT_SERVING after the flip, once each", async () => {
    healthy = true;
    await vi.waitFor(async () => expect((await check(running, "")).status).toBe("SERVING"));
    const stream = watch(running, "patchbay.v1.CatalogService");
    await vi.waitFor(() => expect(stream.statuses).toEqual(["SERVING"]));
    healthy = false;
    await vi.waitFor(() => expect(stream.statuses).toEqual(["SERVING", "NOT_SERVING"]));
    await sleep(30); // several poll intervals with no change send nothing new
    expect(stream.statuses).toEqual(["SERVING", "NOT_SERVING"]);
    stream.cancel();
  });

  it("streams SERVICE_UNKNOWN for an unknown service and keeps the stream open", async () => {
    const stream = watch(running, "no.such.Service");
    await vi.waitFor(() => expect(stream.statuses).toEqual(["SERVICE_UNKNOWN"]));
    stream.cancel();
  });
});

describe("check() coalescing and caching", () => {
  it("runs one check for a flood of concurrent probes, reuses it while fresh, and treats a throw as NOT_SERVING", async () => {
    let calls = 0;
    const pending: ((ok: boolean) => void)[] = [];
    let outcome: "pending" | "throw" = "pending";
    const running = await start({
      services: [],
      cacheMs: 60_000,
      check: () => {
        calls += 1;
        if (outcome === "throw") return Promise.reject(new Error("database unreachable"));
        return new Promise((resolve) => pending.push(resolve));
      },
    });
    try {
      const flood = Array.from({ length: 20 }, () => check(running, ""));
      await vi.waitFor(() => expect(calls).toBeGreaterThan(0));
      await sleep(20); // let the rest of the flood reach the server while the first check is in flight
      for (const settle of pending) settle(true);
      expect((await Promise.all(flood)).map((r) => r.status)).toEqual(Array(20).fill("SERVING"));
      expect(calls).toBe(1);
      outcome = "throw";
      expect((await check(running, "")).status).toBe("SERVING"); // still cached
      expect(calls).toBe(1);
    } finally {
      await running.close();
    }
    const failing = await start({
      services: [],
      check: () => Promise.reject(new Error("database unreachable")),
    });
    try {
      expect((await check(failing, "")).status).toBe("NOT_SERVING");
    } finally {
      await failing.close();
    }
  });

  it("stops polling check() once the Watch caller goes away", async () => {
    let calls = 0;
    const running = await start({
      services: [],
      watchIntervalMs: 5,
      cacheMs: 0,
      check: () => {
        calls += 1;
        return Promise.resolve(true);
      },
    });
    try {
      const stream = watch(running, "");
      await vi.waitFor(() => expect(calls).toBeGreaterThan(3));
      stream.cancel();
      await sleep(50);
      const afterCancel = calls;
      await sleep(50);
      expect(calls).toBe(afterCancel);
    } finally {
      await running.close();
    }
  });
});

describe("grpc.health.v1 through a Connect client", () => {
  it("answers Check and Watch over Connect's gRPC transport", async () => {
    const running = await start({ services: [], check: () => Promise.resolve(true), watchIntervalMs: 5 });
    try {
      const client = createClient(Health, createGrpcTransport({ baseUrl: `http://${running.address}` }));
      expect((await client.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
      const abort = new AbortController();
      for await (const update of client.watch({ service: "no.such.Service" }, { signal: abort.signal })) {
        expect(update.status).toBe(HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN);
        break;
      }
      abort.abort();
      const error = await client.check({ service: "no.such.Service" }).catch((e: unknown) => e);
      expect(ConnectError.from(error).code).toBe(Code.NotFound);
    } finally {
      await running.close();
    }
  });
});
