import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { GUARD_MAX_RESPONSE_BYTES } from "../../src/outbound/index.ts";
import {
  compressedSpaces,
  type FloodServer,
  rssGrowthDuring,
  startFloodServer,
} from "../support/flood-server.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// A tenant with catalog:write, connections and execute points its OpenAPI connection's client-credentials
// tokenUrl at a server of its own, which answers token requests far larger than a token. The server must
// refuse each answer once past the guard's cap, without holding the answer, hang up on the upstream, and
// still take a token of ordinary size. Only loopback traffic: Patchbay, the API and the token endpoint.

const MIB = 1024 * 1024;
const BODY = 200 * MIB;
const TOKEN_HEAD = '{"access_token":"t","token_type":"bearer"';
/** Far below the 200 MiB body, far above what reading a capped token answer costs. */
const MEMORY_BOUND = 64 * MIB;

describe("an OpenAPI connection whose tokenUrl answers a hostile body", () => {
  let t: TestServer;
  let key: string;
  let tokenEndpoint: FloodServer;
  let api: Server;
  const apiCalls: IncomingHttpHeaders[] = [];
  let bomb: Buffer;

  beforeAll(async () => {
    // 200 MiB of JSON whitespace, packed to about 200 KiB: under the cap as sent, 800 times it unpacked.
    bomb = await compressedSpaces("gzip", BODY, TOKEN_HEAD, "}");
    tokenEndpoint = await startFloodServer((req, res, flood) => {
      const json = { "content-type": "application/json" };
      switch (req.url) {
        case "/streamed":
          res.writeHead(200, json);
          return flood(res, BODY, TOKEN_HEAD, "}");
        case "/declared":
          res.writeHead(200, { ...json, "content-length": String(BODY + TOKEN_HEAD.length + 1) });
          return flood(res, BODY, TOKEN_HEAD, "}");
        case "/packed-with-small-length":
          res.writeHead(200, { ...json, "content-encoding": "gzip", "content-length": String(bomb.length) });
          return res.end(bomb);
        case "/packed":
          res.writeHead(200, { ...json, "content-encoding": "gzip" });
          return res.end(bomb);
        case "/ordinary":
          res.writeHead(200, json);
          return res.end(
            JSON.stringify({ access_token: "ordinary-token", token_type: "Bearer", expires_in: 60 }),
          );
        default:
          res.writeHead(404).end();
      }
    });
    api = createServer((req, res) => {
      apiCalls.push(req.headers);
      res.writeHead(200, { "content-type": "application/json" }).end('{"things":[]}');
    });
    await new Promise<void>((listening) => api.listen(0, "127.0.0.1", listening));
    t = await startTestServer("postgresql");
    key = await t.createKey(["catalog:write", "connections", "execute"], "mallory", "tenant-evil");
    const document = {
      openapi: "3.0.3",
      info: { title: "Thing", version: "1.0.0" },
      servers: [{ url: `http://127.0.0.1:${(api.address() as AddressInfo).port}` }],
      components: {
        securitySchemes: {
          machine: {
            type: "oauth2",
            flows: { clientCredentials: { tokenUrl: "https://auth.example.com/token", scopes: {} } },
          },
        },
      },
      security: [{ machine: [] }],
      paths: { "/things": { get: { operationId: "listThings", responses: { 200: { description: "ok" } } } } },
    };
    await createClient(CatalogService, createGrpcTransport({ baseUrl: t.url })).createConnector(
      { name: "thing", executionModel: "openapi", openapiDocument: JSON.stringify(document) },
      { headers: { authorization: `Bearer ${key}` } },
    );
  });
  afterAll(async () => {
    await t?.stop();
    await tokenEndpoint?.close();
    await new Promise<void>((closed) => (api ? api.close(() => closed()) : closed()));
  });

  async function rest(path: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.ok).toBe(true);
    return (await response.json()) as Record<string, unknown>;
  }

  /** A connection of the tenant's whose client credentials name `tokenPath` on its token endpoint. */
  async function connectionWithTokenAt(tokenPath: string): Promise<string> {
    const { connection } = (await rest("/api/v1/connections", { connectorSlug: "thing" })) as {
      connection: { id: string };
    };
    await rest(`/api/v1/connections/${connection.id}/credentials`, {
      credentials: { clientId: "a", clientSecret: "b", tokenUrl: `${tokenEndpoint.origin}${tokenPath}` },
    });
    return connection.id;
  }

  const execute = (connectionId: string) =>
    createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url })).execute(
      { target: { case: "connectionId", value: connectionId }, command: "listThings" },
      { headers: { authorization: `Bearer ${key}` } },
    );

  it.each([
    ["streams 200 MiB without a length", "/streamed"],
    ["declares 200 MiB", "/declared"],
    ["declares a small length but unpacks to 200 MiB", "/packed-with-small-length"],
    ["sends a gzip bomb without a length", "/packed"],
  ])("fails the Execute with TOO_LARGE when the token endpoint %s, holding none of it", async (_, path) => {
    const connectionId = await connectionWithTokenAt(path);
    const writtenBefore = tokenEndpoint.written();
    const calledBefore = apiCalls.length;

    const { result, growth } = await rssGrowthDuring(() =>
      execute(connectionId).then(
        () => undefined,
        (error: unknown) => ConnectError.from(error),
      ),
    );

    expect(result?.code).toBe(Code.FailedPrecondition);
    expect(result?.findDetails(ExecutionFailureSchema)[0]).toMatchObject({
      errorCode: "TOO_LARGE",
      failureClass: "command_failed",
    });
    expect(result?.rawMessage).toBe(
      `Outbound response from 127.0.0.1 is larger than ${GUARD_MAX_RESPONSE_BYTES} bytes`,
    );
    expect(growth).toBeLessThan(MEMORY_BOUND);
    // The upstream is cut off rather than read to its end: its connection closes (awaited, not timed) and
    // it got to write what socket buffers hold, not the 200 MiB it meant to.
    const request = tokenEndpoint.requests.at(-1);
    expect(request?.path).toBe(path);
    await request?.closed;
    expect(tokenEndpoint.written() - writtenBefore).toBeLessThan(MEMORY_BOUND);
    // No token, no call to the API.
    expect(apiCalls.length).toBe(calledBefore);
  });

  it("still takes a token answer of ordinary size and calls the API with it", async () => {
    const connectionId = await connectionWithTokenAt("/ordinary");
    const answer = await execute(connectionId);
    expect(answer.payload).toEqual({ things: [] });
    expect(apiCalls.at(-1)?.authorization).toBe("Bearer ordinary-token");
  });
});
