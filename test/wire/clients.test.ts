import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { bearer, grpc, loadPatchbayProtos, unary } from "../support/grpc-js-client.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The two unary procedures under test (Execute on the echo built-in, and the catalog read GetConnector)
// through every real client: connect-es' transports (gRPC, gRPC-Web and Connect, binary and JSON, HTTP/1.1
// and h2c, Connect GET for the side-effect-free read), @grpc/grpc-js, and `buf curl` on each protocol with
// the schema from server reflection or from the local module.

const run = promisify(execFile);
const BUF = fileURLToPath(new URL("../../node_modules/.bin/buf", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Ctor = new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client;

describe("the unary procedures through every client", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  describe("connect-es", () => {
    const transports: Record<string, () => Transport> = {
      "gRPC (h2c)": () => createGrpcTransport({ baseUrl: t.url }),
      "gRPC JSON (h2c)": () => createGrpcTransport({ baseUrl: t.url, useBinaryFormat: false }),
      "gRPC-Web (HTTP/1.1)": () => createGrpcWebTransport({ baseUrl: t.url, httpVersion: "1.1" }),
      "gRPC-Web JSON (h2c)": () =>
        createGrpcWebTransport({ baseUrl: t.url, httpVersion: "2", useBinaryFormat: false }),
      "Connect JSON (HTTP/1.1)": () => createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
      "Connect binary (h2c)": () =>
        createConnectTransport({ baseUrl: t.url, httpVersion: "2", useBinaryFormat: true }),
      "Connect GET (HTTP/1.1)": () =>
        createConnectTransport({ baseUrl: t.url, httpVersion: "1.1", useHttpGet: true }),
    };

    it.each(Object.keys(transports))("runs Execute and GetConnector over %s", async (name) => {
      const transport = transports[name]?.();
      if (transport === undefined) throw new Error(name);
      const headers = { authorization: `Bearer ${t.adminKey}` };
      let responseHeaders: Headers | undefined;
      const executed = await createClient(ExecuteService, transport).execute(
        { target: { case: "connectorSlug", value: "echo" }, command: "echo", params: { message: name } },
        { headers, onHeader: (h) => (responseHeaders = h) },
      );
      expect(executed.payload?.message).toBe(name);
      expect(executed.executionId).toMatch(UUID);
      expect(responseHeaders?.get("x-request-id")).toMatch(UUID);
      const read = await createClient(CatalogService, transport).getConnector({ slug: "echo" }, { headers });
      expect(read.connector).toMatchObject({ slug: "echo", name: "Echo", authType: "none" });
    });
  });

  it("runs Execute and GetConnector with @grpc/grpc-js", async () => {
    const v1 = (loadPatchbayProtos().patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject;
    const address = `127.0.0.1:${t.port}`;
    const execute = new (v1.ExecuteService as unknown as Ctor)(address, grpc.credentials.createInsecure());
    const catalog = new (v1.CatalogService as unknown as Ctor)(address, grpc.credentials.createInsecure());
    try {
      const { response, headers } = await unary<{
        payload: { fields: Record<string, { stringValue: string }> };
        executionId: string;
      }>(
        execute,
        "execute",
        {
          connectorSlug: "echo",
          command: "echo",
          params: { fields: { message: { stringValue: "grpc-js" } } },
        },
        bearer(t.adminKey),
      );
      expect(response.payload.fields.message?.stringValue).toBe("grpc-js");
      expect(response.executionId).toMatch(UUID);
      expect(headers.get("content-type")).toEqual(["application/grpc+proto"]);
      const read = await unary<{ connector: { slug: string; authType: string } }>(
        catalog,
        "getConnector",
        { slug: "echo" },
        bearer(t.adminKey),
      );
      expect(read.response.connector).toMatchObject({ slug: "echo", authType: "none" });
    } finally {
      execute.close();
      catalog.close();
    }
  });

  describe("buf curl", () => {
    const curl = (args: string[]) =>
      run(BUF, ["curl", ...args], { encoding: "utf8", cwd: ROOT }).then(
        ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
        (e: { stdout: string; stderr: string; code: number }) => ({
          stdout: e.stdout,
          stderr: e.stderr,
          code: e.code,
        }),
      );
    const auth = () => ["-H", `authorization: Bearer ${t.adminKey}`];
    const echo = (message: string) => [
      "-d",
      JSON.stringify({ connectorSlug: "echo", command: "echo", params: { message } }),
    ];

    it.each([
      ["grpc", ["--http2-prior-knowledge"]],
      ["grpcweb", ["--http2-prior-knowledge"]],
      ["connect", ["--http2-prior-knowledge"]],
      ["connect", ["--schema", "."]],
      ["grpcweb", ["--schema", "."]],
    ])("runs Execute with --protocol %s %s", async (protocol, flags) => {
      const result = await curl([
        "--protocol",
        protocol,
        ...flags,
        ...auth(),
        ...echo(protocol),
        `${t.url}/patchbay.v1.ExecuteService/Execute`,
      ]);
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout)).toMatchObject({
        payload: { message: protocol },
        executionId: expect.stringMatching(UUID),
      });
    });

    it("reads the catalog over gRPC with reflection", async () => {
      const result = await curl([
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        ...auth(),
        "-d",
        JSON.stringify({ slug: "echo" }),
        `${t.url}/patchbay.v1.CatalogService/GetConnector`,
      ]);
      expect(JSON.parse(result.stdout)).toMatchObject({ connector: { slug: "echo", builtIn: true } });
    });

    it.each(["grpc", "grpcweb", "connect"])("reads the errors over --protocol %s", async (protocol) => {
      const notFound = await curl([
        "--protocol",
        protocol,
        "--http2-prior-knowledge",
        ...auth(),
        "-d",
        JSON.stringify({ connectorSlug: "no-such", command: "x" }),
        `${t.url}/patchbay.v1.ExecuteService/Execute`,
      ]);
      // buf curl exits with eight times the code.
      expect(notFound.code).toBe(5 * 8);
      expect(JSON.parse(notFound.stderr)).toEqual({ code: "not_found", message: "connector not found" });
      const noKey = await curl([
        "--protocol",
        protocol,
        "--schema",
        ".",
        ...(protocol === "connect" ? [] : ["--http2-prior-knowledge"]),
        ...echo("x"),
        `${t.url}/patchbay.v1.ExecuteService/Execute`,
      ]);
      expect(noKey.code).toBe(16 * 8);
      expect(JSON.parse(noKey.stderr)).toMatchObject({ code: "unauthenticated" });
    });

    it("shows the response headers of a gRPC call with -v: content type and the echoed request id", async () => {
      const result = await curl([
        "--protocol",
        "grpc",
        "--schema",
        ".",
        "--http2-prior-knowledge",
        "-v",
        ...auth(),
        "-H",
        "x-request-id: buf-curl-1",
        ...echo("verbose"),
        `${t.url}/patchbay.v1.ExecuteService/Execute`,
      ]);
      expect(JSON.parse(result.stdout)).toMatchObject({ payload: { message: "verbose" } });
      const received = result.stderr
        .split("\n")
        .filter((line) => line.startsWith("buf: < "))
        .map((line) => line.replace(/^buf: < \(#\d+\) /, ""));
      expect(received).toContain("HTTP/2.0 200 OK");
      expect(received).toContain("Content-Type: application/grpc+proto");
      expect(received).toContain("X-Request-Id: buf-curl-1");
      expect(received).toContain("Grpc-Status: 0");
    });
  });
});
