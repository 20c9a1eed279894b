import http from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createConnectRouter, type HandlerContext } from "@connectrpc/connect";
import type { UniversalServerRequest } from "@connectrpc/connect/protocol";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { CatalogService } from "../../../gen/patchbay/v1/catalog_pb.ts";
import { createRestBridge } from "../../../src/server/rest/rest-bridge.ts";
import { recordUnaryMethods } from "../../../src/server/unary/recording-router.ts";
import { createUnaryFastPath } from "../../../src/server/unary/unary-fast-path.ts";

// The REST bridge with the unary fast path on a real HTTP/1.1 server: which calls the fast path runs
// (the router's handlers are counted: a call they see was handed to Connect), and what such a call sees.
// Slugs starting with "wait" hold the call until its signal is aborted.

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

interface Bridge {
  readonly base: string;
  /** Calls the router's (Connect) handlers got. */
  readonly handled: UniversalServerRequest[];
  /** Calls the implementation ran, with what their context said. */
  readonly seen: { slug: string; context: HandlerContext }[];
  /** The held calls' signal reasons, when aborted. */
  readonly aborted: Deferred<unknown>;
  /** A held call began. */
  readonly waiting: Deferred<void>;
  close(): Promise<void>;
}

async function start(fastOn: boolean): Promise<Bridge> {
  const handled: UniversalServerRequest[] = [];
  const seen: Bridge["seen"] = [];
  const aborted = deferred<unknown>();
  const waiting = deferred<void>();
  const { router, methods } = recordUnaryMethods(createConnectRouter());
  router.service(CatalogService, {
    async getConnector(req, context) {
      seen.push({ slug: req.slug, context });
      if (req.slug.startsWith("wait")) {
        waiting.resolve();
        await new Promise<void>((resolve) => {
          const done = () => {
            aborted.resolve(context.signal.reason);
            resolve();
          };
          if (context.signal.aborted) done();
          else context.signal.addEventListener("abort", done, { once: true });
        });
        // A deadline fails the call, as the app's implementations let it.
        if (context.signal.reason instanceof ConnectError) throw context.signal.reason;
      }
      return { connector: { slug: req.slug, name: "Named" } };
    },
  });
  const handlers = router.handlers.map((h) =>
    Object.assign((req: UniversalServerRequest) => {
      handled.push(req);
      return h(req);
    }, h),
  );
  const fast = createUnaryFastPath(methods, {
    router: {},
    maxTimeoutMs: 60_000,
    generic: () => {
      throw new Error("the bridge never hands a request to the generic route");
    },
    onWriteError: () => {},
  });
  const bridge = createRestBridge({
    handlers,
    services: [CatalogService],
    maxBodyBytes: 1 << 20,
    logger: pino({ level: "silent" }),
    ...(fastOn
      ? { fastCall: (method) => fast.get(`/${method.parent.typeName}/${method.name}`)?.bridged }
      : {}),
  });
  const server = http.createServer(bridge.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    handled,
    seen,
    aborted,
    waiting,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("the REST bridge on the unary fast path", () => {
  let bridge: Bridge | undefined;
  afterEach(async () => {
    await bridge?.close();
    bridge = undefined;
  });

  it("answers a plain GET on the fast path, not through Connect's handler", async () => {
    bridge = await start(true);
    const res = await fetch(`${bridge.base}/api/v1/connectors/echo`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ connector: { slug: "echo", name: "Named" } });
    expect(bridge.handled).toHaveLength(0);
    // What the call saw is what Connect's handler gives a bridged call.
    const [call] = bridge.seen;
    expect(call?.slug).toBe("echo");
    expect(call?.context.protocolName).toBe("connect");
    expect(call?.context.requestMethod).toBe("POST");
    expect(call?.context.url).toBe(`${bridge.base}/api/v1/connectors/echo`);
    expect(call?.context.requestHeader.get("x-patchbay-bridge")).toBe("1");
    expect(call?.context.requestHeader.get("content-type")).toBe("application/json");
    expect(call?.context.timeoutMs()).toBeUndefined();
  });

  it("runs through Connect's handler without the fast path (the count sees a handled call)", async () => {
    bridge = await start(false);
    const res = await fetch(`${bridge.base}/api/v1/connectors/echo`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ connector: { slug: "echo", name: "Named" } });
    expect(bridge.handled).toHaveLength(1);
  });

  it("hands a body Connect cannot convert to the handler", async () => {
    bridge = await start(true);
    const res = await fetch(`${bridge.base}/api/v1/connectors/parse-oas`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ document: 5 }),
    });
    expect(res.status).toBe(400);
    expect(bridge.handled).toHaveLength(1);
  });

  it("hands a malformed deadline to the handler, and runs a well-formed one lowered to the longest", async () => {
    bridge = await start(true);
    const malformed = await fetch(`${bridge.base}/api/v1/connectors/echo`, {
      headers: { "connect-timeout-ms": "soon" },
    });
    // Connect's own refusal (the procedure edge, not wired here, words it in the app).
    expect(malformed.status).toBe(400);
    expect(bridge.handled).toHaveLength(1);
    const long = await fetch(`${bridge.base}/api/v1/connectors/echo`, {
      headers: { "connect-timeout-ms": "9999999999" },
    });
    expect(long.status).toBe(200);
    expect(bridge.handled).toHaveLength(1);
    const remaining = bridge.seen.at(-1)?.context.timeoutMs();
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(60_000);
    expect(bridge.seen.at(-1)?.context.requestHeader.get("connect-timeout-ms")).toBe("60000");
  });

  for (const fastOn of [true, false]) {
    it(`answers a call past its deadline with DEADLINE_EXCEEDED (fast path ${fastOn ? "on" : "off"})`, async () => {
      bridge = await start(fastOn);
      const res = await fetch(`${bridge.base}/api/v1/connectors/wait-deadline`, {
        headers: { "connect-timeout-ms": "0" },
      });
      expect(await bridge.aborted.promise).toMatchObject({ code: Code.DeadlineExceeded });
      expect(res.status).toBe(504);
      expect(await res.json()).toEqual({
        code: "deadline_exceeded",
        message: "the operation timed out",
        details: [],
      });
      expect(bridge.handled).toHaveLength(fastOn ? 0 : 1);
    });
  }

  it("cancels a call whose client goes away, with the reason Connect's handler would see", async () => {
    bridge = await start(true);
    const req = http.get(`${bridge.base}/api/v1/connectors/wait-gone`);
    req.on("error", () => {});
    await bridge.waiting.promise;
    req.destroy();
    const reason = await bridge.aborted.promise;
    expect(reason).toBeInstanceOf(DOMException);
    expect((reason as DOMException).name).toBe("AbortError");
    expect(bridge.handled).toHaveLength(0);
  });
});
