import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { bearer, grpc, loadPatchbayProtos, unary } from "../support/grpc-js-client.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const run = promisify(execFile);
const BUF = fileURLToPath(new URL("../../node_modules/.bin/buf", import.meta.url));

// A command name the echo connector does not know: the error message quotes it, with a non-ASCII
// character, a `%`, and the `:` and `,` that encodeURIComponent escapes but the gRPC spec does not.
const COMMAND = "café: 100%, naïve";
const MESSAGE = `Unknown command '${COMMAND}' for connector 'echo'. Known commands: echo`;

type Ctor = new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client;

describe("the protocol edge over the wire", () => {
  let t: TestServer;
  const auth = () => ({ authorization: `Bearer ${t.adminKey}` });

  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  describe("grpc-message is percent-encoded as the gRPC spec says (item 3)", () => {
    it("sends printable ASCII as is and escapes only the rest and %", async () => {
      const response = await fetch(`${t.url}/patchbay.v1.ExecuteService/Execute`, {
        method: "POST",
        headers: { ...auth(), "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
        body: envelope(executeRequestBytes("echo", COMMAND)),
      });
      const body = new Uint8Array(await response.arrayBuffer());
      const trailer = new TextDecoder().decode(body.subarray(5));
      expect(trailer).toContain(
        "grpc-message: Unknown command 'caf%C3%A9: 100%25, na%C3%AFve' for connector 'echo'. Known commands: echo\r\n",
      );
    });

    it("reads the same text with @grpc/grpc-js", async () => {
      const v1 = (loadPatchbayProtos().patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject;
      const Execute = v1.ExecuteService as unknown as Ctor;
      const client = new Execute(`127.0.0.1:${t.port}`, grpc.credentials.createInsecure());
      try {
        const error = await unary(
          client,
          "execute",
          { connectorSlug: "echo", command: COMMAND },
          bearer(t.adminKey),
        ).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: MESSAGE });
      } finally {
        client.close();
      }
    });

    const transports: Record<string, () => Transport> = {
      "connect-es gRPC": () => createGrpcTransport({ baseUrl: t.url }),
      "connect-es gRPC-Web": () => createGrpcWebTransport({ baseUrl: t.url, httpVersion: "1.1" }),
      "connect-es gRPC-Web over h2c": () => createGrpcWebTransport({ baseUrl: t.url, httpVersion: "2" }),
    };
    it.each(Object.keys(transports))("reads the same text with %s", async (name) => {
      const make = transports[name];
      if (make === undefined) throw new Error(name);
      const client = createClient(ExecuteService, make());
      const error = await client
        .execute({ target: { case: "connectorSlug", value: "echo" }, command: COMMAND }, { headers: auth() })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
      expect((error as ConnectError).rawMessage).toBe(MESSAGE);
      // The error details still travel beside the message.
      expect((error as ConnectError).details.length).toBeGreaterThan(0);
    });

    it("reads the same text with buf curl --protocol grpc", async () => {
      const result = await run(
        BUF,
        [
          "curl",
          "--protocol",
          "grpc",
          "--http2-prior-knowledge",
          "-H",
          `authorization: Bearer ${t.adminKey}`,
          "-d",
          JSON.stringify({ connectorSlug: "echo", command: COMMAND }),
          `${t.url}/patchbay.v1.ExecuteService/Execute`,
        ],
        { encoding: "utf8" },
      ).catch((e: { stderr: string; code: number }) => e);
      const error = JSON.parse(result.stderr) as { code: string; message: string };
      expect(error).toMatchObject({ code: "invalid_argument", message: MESSAGE });
    });
  });

  describe("a deadline that passes says so (item 5)", () => {
    // The deadline travels as a header only: a client library would also stop waiting at its own deadline
    // and answer with its own words, hiding the server's.
    const wait = { connectorSlug: "delay", command: "wait", params: { delayMs: 5000 } };

    it("answers deadline_exceeded naming the deadline over Connect JSON", async () => {
      const response = await fetch(`${t.url}/patchbay.v1.ExecuteService/Execute`, {
        method: "POST",
        headers: { ...auth(), "content-type": "application/json", "connect-timeout-ms": "300" },
        body: JSON.stringify(wait),
      });
      const body = (await response.json()) as { code: string; message: string };
      expect(body.code).toBe("deadline_exceeded");
      expect(body.message).toMatch(/deadline/i);
      expect(body.message).not.toMatch(/cancel/i);
    });

    it("answers DEADLINE_EXCEEDED naming the deadline over gRPC-Web", async () => {
      const response = await fetch(`${t.url}/patchbay.v1.ExecuteService/Execute`, {
        method: "POST",
        headers: { ...auth(), "content-type": "application/grpc-web+json", "grpc-timeout": "300m" },
        body: envelope(new TextEncoder().encode(JSON.stringify(wait))),
      });
      const frames = new TextDecoder().decode(new Uint8Array(await response.arrayBuffer()).subarray(5));
      expect(frames).toContain(`grpc-status: ${Code.DeadlineExceeded}\r\n`);
      const message = decodeURIComponent(/grpc-message: (.*)\r\n/.exec(frames)?.[1] ?? "");
      expect(message).toMatch(/deadline/i);
      expect(message).not.toMatch(/cancel/i);
    });
  });

  describe("JSON answers carry every field, defaults included (item 4)", () => {
    const connect = async (path: string, body: object, key = t.adminKey) => {
      const res = await fetch(`${t.url}/${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return (await res.json()) as Record<string, unknown>;
    };
    const rest = async (method: string, path: string, key = t.adminKey, body?: object) => {
      const res = await fetch(`${t.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await res.json()) as Record<string, unknown>;
    };

    it("says configured: false for a connector whose OAuth client is not set, on Connect JSON and REST", async () => {
      const viaConnect = await connect("patchbay.v1.CatalogService/GetConnector", { slug: "github" });
      const viaRest = await rest("GET", "/api/v1/connectors/github");
      for (const answer of [viaConnect, viaRest]) {
        expect(answer.connector).toMatchObject({ slug: "github", configured: false, deprecated: false });
      }
    });

    it("lists no connections as connections: [] with an empty nextPageToken and a total of 0", async () => {
      const key = await t.createKey(["connections"], "nobody-yet");
      const viaConnect = await connect("patchbay.v1.ConnectionService/ListConnections", {}, key);
      const viaRest = await rest("GET", "/api/v1/connections", key);
      for (const answer of [viaConnect, viaRest])
        expect(answer).toEqual({ connections: [], nextPageToken: "", totalSize: 0 });
    });

    it('answers an API-key connection with oauthUrl: "" beside its credentialSubmitUrl', async () => {
      const key = await t.createKey(["connections"], "starter");
      const viaRest = await rest("POST", "/api/v1/connections", key, { connectorSlug: "placeholder-api" });
      expect(viaRest).toMatchObject({ oauthUrl: "", created: true });
      expect(viaRest.credentialSubmitUrl).toMatch(/\/api\/v1\/connections\/.+\/credentials$/);
      const viaConnect = await connect(
        "patchbay.v1.ConnectionService/StartConnection",
        { connectorSlug: "placeholder-api" },
        key,
      );
      expect(viaConnect).toMatchObject({ oauthUrl: "", created: false });
    });
  });

  describe("the API reference under /api (item 14)", () => {
    it.each([
      ["/api/docs", "/docs"],
      ["/api/openapi.json", "/openapi.json"],
      ["/api/redoc", "/redoc"],
    ])("answers %s as %s, without an API key", async (alias, path) => {
      const [a, b] = await Promise.all([fetch(`${t.url}${alias}`), fetch(`${t.url}${path}`)]);
      expect(a.status).toBe(200);
      expect(a.headers.get("content-type")).toBe(b.headers.get("content-type"));
      expect(a.headers.get("x-request-id")).toBeTruthy();
      expect(await a.text()).toBe(await b.text());
    });

    it("serves Redoc's bundle from this server", async () => {
      const html = await (await fetch(`${t.url}/api/redoc`)).text();
      const src = /src="([^"]*redoc\.standalone\.js[^"]*)"/.exec(html)?.[1];
      expect(src).toMatch(/^\/redoc\/assets\//);
      const bundle = await fetch(`${t.url}${src}`);
      expect(bundle.status).toBe(200);
      expect((await bundle.text()).length).toBeGreaterThan(500_000);
    });

    it("still answers REST operations under /api", async () => {
      const res = await fetch(`${t.url}/api/v1/connectors`, { headers: auth() });
      expect(res.status).toBe(200);
    });
  });
});

/** The ExecuteRequest `{connector_slug, command}` in protobuf binary (fields 2 and 3). */
function executeRequestBytes(slug: string, command: string): Uint8Array {
  const field = (number: number, text: string): number[] => {
    const bytes = [...new TextEncoder().encode(text)];
    return [(number << 3) | 2, bytes.length, ...bytes];
  };
  return new Uint8Array([...field(2, slug), ...field(3, command)]);
}

/** One uncompressed gRPC-Web data frame. */
function envelope(data: Uint8Array): Uint8Array {
  const frame = new Uint8Array(5 + data.byteLength);
  new DataView(frame.buffer).setUint32(1, data.byteLength);
  frame.set(data, 5);
  return frame;
}
