import net from "node:net";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { MAX_TIMEOUT_MS } from "../../src/server/edge/clamp-timeout.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import { connectCall, envelope, grpcSession } from "./hostile-input-raw-rpc.ts";

// What reaches the edge besides message content: deadlines, broken HTTP, clients that leave, content
// types nobody serves. Each answer carries x-request-id and each request writes its one log line.
describe("the edge", () => {
  let t: TestServer;
  let auth: Record<string, string>;
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);

  beforeAll(async () => {
    t = await startTestServer("postgresql", { PATCHBAY_RATE_LIMITS: "off", LOG_LEVEL: "info" });
    auth = { authorization: `Bearer ${t.adminKey}` };
    process.on("warning", onWarning);
  });
  afterAll(async () => {
    process.off("warning", onWarning);
    await t?.stop();
  });

  const lineOf = (reqId: string) => t.logs.lines().filter((l) => l.reqId === reqId);

  describe("deadlines of 2^31 ms or more", () => {
    // Raw requests: a Connect client in this process would overflow its own timer first.
    it("are lowered to the maximum over gRPC: the call runs instead of failing at once", async () => {
      const session = grpcSession(t.url);
      try {
        // 2^31 ms as a client writes it (at most eight digits), and the largest value the grammar allows.
        for (const timeout of ["2147484S", "35792M", "99999999H"]) {
          const answer = await session.call(
            "/patchbay.v1.CatalogService/GetConnector",
            envelope(Uint8Array.of(0x0a, 0x04, ...Buffer.from("http"))),
            { ...auth, "grpc-timeout": timeout },
          );
          expect(answer.code, timeout).toBe(0);
        }
      } finally {
        session.close();
      }
      expect(warnings.filter((w) => w.startsWith("TimeoutOverflowWarning"))).toEqual([]);
    });

    it("are lowered to the maximum over Connect", async () => {
      for (const ms of [String(2 ** 31), "9999999999"]) {
        const answer = await connectCall(
          t.url,
          "/patchbay.v1.CatalogService/GetConnector",
          JSON.stringify({ slug: "http" }),
          "application/json",
          { ...auth, "connect-timeout-ms": ms },
        );
        expect(answer.code).toBe(0);
      }
      expect(warnings.filter((w) => w.startsWith("TimeoutOverflowWarning"))).toEqual([]);
    });

    it("keeps a deadline under the maximum as the client set it", async () => {
      const client = createClient(
        CatalogService,
        createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
      );
      const error = await client
        .getConnector({ slug: "http" }, { headers: auth, timeoutMs: 1 })
        .then(() => undefined, ConnectError.from);
      // One millisecond is shorter than any call here; the maximum must not have lengthened it.
      expect(error?.code).toBe(Code.DeadlineExceeded);
      expect(MAX_TIMEOUT_MS).toBeLessThan(2 ** 31);
    });

    it("refuses a malformed deadline header without quoting it, with a request id and a log line", async () => {
      const answer = await connectCall(
        t.url,
        "/patchbay.v1.CatalogService/GetConnector",
        JSON.stringify({ slug: "http" }),
        "application/json",
        { ...auth, "connect-timeout-ms": "12abc", "x-request-id": "bad-deadline-1" },
      );
      expect(answer).toMatchObject({
        code: Code.InvalidArgument,
        message: "malformed connect-timeout-ms header",
        requestId: "bad-deadline-1",
      });
      expect(lineOf("bad-deadline-1")).toEqual([expect.objectContaining({ code: "invalid_argument" })]);
    });
  });

  it("serves an HTTP/1.0 request without a Host header (it used to end the process)", async () => {
    const body = "{}";
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(t.port, "127.0.0.1", () =>
        socket.write(
          "POST /patchbay.v1.CatalogService/ListConnectors HTTP/1.0\r\n" +
            `Content-Type: application/json\r\nAuthorization: Bearer ${t.adminKey}\r\n` +
            `Content-Length: ${body.length}\r\n\r\n${body}`,
        ),
      );
      let out = "";
      socket.on("data", (d: Buffer) => {
        out += d.toString("utf8");
      });
      socket.on("close", () => resolve(out));
      socket.on("error", reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(raw.toLowerCase()).toContain("x-request-id:");
    const again = await connectCall(
      t.url,
      "/patchbay.v1.CatalogService/ListConnectors",
      "{}",
      "application/json",
      auth,
    );
    expect(again.code).toBe(0);
  });

  it("logs a client that leaves while its request is read as canceled, at info level", async () => {
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(t.port, "127.0.0.1", () => {
        // With a valid key: a call without one is refused before its body is read.
        socket.write(
          "POST /patchbay.v1.CatalogService/GetConnector HTTP/1.1\r\nHost: x\r\n" +
            `Authorization: Bearer ${t.adminKey}\r\n` +
            "Content-Type: application/json\r\nX-Request-Id: left-while-sending\r\n" +
            'Content-Length: 1000\r\n\r\n{"slug":',
          () => setTimeout(() => socket.destroy(), 100),
        );
      });
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
    await expect.poll(() => lineOf("left-while-sending")).toHaveLength(1);
    expect(lineOf("left-while-sending")[0]).toMatchObject({ code: "canceled", level: "info" });
  });

  it("logs a client that leaves during the call as canceled, at info level", async () => {
    const abort = new AbortController();
    const call = fetch(`${t.url}/patchbay.v1.ExecuteService/Execute`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", "x-request-id": "left-during-call" },
      body: JSON.stringify({ connectorSlug: "delay", command: "wait", params: { delayMs: 5000 } }),
      signal: abort.signal,
    }).catch(() => undefined);
    await expect.poll(() => t.logs.text().includes("left-during-call") || abort.signal.aborted).toBe(false);
    setTimeout(() => abort.abort(), 300);
    await call;
    await expect.poll(() => lineOf("left-during-call")).toHaveLength(1);
    expect(lineOf("left-during-call")[0]).toMatchObject({ code: "canceled", level: "info" });
  });

  it("answers a content type no protocol serves with x-request-id, and logs it", async () => {
    const answer = await connectCall(t.url, "/patchbay.v1.CatalogService/GetConnector", "x", "text/plain", {
      ...auth,
      "x-request-id": "no-such-type",
    });
    expect(answer).toMatchObject({ status: 415, requestId: "no-such-type" });
    expect(lineOf("no-such-type")).toEqual([expect.objectContaining({ code: "invalid_argument" })]);
  });

  it("answers a path that is no route with x-request-id, and logs it", async () => {
    const res = await fetch(`${t.url}/no/such/route`, { headers: { "x-request-id": "no-such-route" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-request-id")).toBe("no-such-route");
    expect(lineOf("no-such-route")).toEqual([expect.objectContaining({ code: "not_found", status: 404 })]);
  });
});
