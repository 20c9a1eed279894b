import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { LEGACY_KEYS_MESSAGE } from "../../../src/connectors/define/outcome.ts";
import {
  createExternalConnectorClient,
  type ExternalExecuteRequest,
  type ExternalProtocol,
  type ServedConnector,
  serveConnector,
} from "../../../src/connectors/external/index.ts";
import { listen } from "../../../src/protocol/listener.ts";
import { greeterFixture } from "./greeter-fixture.ts";

const request: ExternalExecuteRequest = {
  command: "hello",
  config: {},
  params: { name: "Ada" },
  variables: {},
  metadata: { stepId: "s", runId: "r" },
};

describe("serveConnector's plain HTTP protocol 2.0", () => {
  let served: ServedConnector;
  beforeAll(async () => {
    served = await serveConnector(greeterFixture, { port: 0 });
  });
  afterAll(async () => {
    await served.close();
  });

  const execute = (body: unknown) =>
    fetch(`${served.url}/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("answers the seed's request JSON with the protocol 2.0 response JSON", async () => {
    const response = await execute({
      protocolVersion: "2.0",
      command: "hello",
      config: { apiKey: "k" },
      params: { name: "Ada" },
      variables: { project_id: "p-1" },
      metadata: { stepId: "step-1", runId: "run-123", timeout: 30000 },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      success: true,
      payload: { greeting: "Hello, Ada!", runId: "run-123" },
      variables: { greeted: "Ada", keyLength: 1 },
    });
  });

  it("answers a command failure with 422, the body, and x-connector-error", async () => {
    const response = await execute({ protocolVersion: "2.0", command: "reject" });
    expect(response.status).toBe(422);
    expect(response.headers.get("x-connector-error")).toBe("Upstream rejected the request");
    expect(await response.json()).toEqual({
      success: false,
      error: "Upstream rejected the request",
      diagnostics: { statusCode: 502 },
      variables: { rejected: true },
    });
  });

  it.each(["1.0", "", "3.0"])("refuses protocol_version %j with 400", async (protocolVersion) => {
    const response = await execute({ protocolVersion, command: "hello", params: { name: "Ada" } });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-connector-error")).toBe("protocol_version must be 2.0");
  });

  it("refuses a body that is not JSON with 400", async () => {
    const response = await fetch(`${served.url}/execute`, { method: "POST", body: "{" });
    expect(response.status).toBe(400);
  });

  it("serves GET /health and GET /schema", async () => {
    const health = await fetch(`${served.url}/health`);
    expect(await health.json()).toEqual({ status: "ok" });
    const schema = (await (await fetch(`${served.url}/schema`)).json()) as Record<string, unknown>;
    expect(schema).toMatchObject({ name: "greeter-test", version: "1.2.3", authType: "api_key" });
    expect(schema.commands).toHaveProperty("hello.paramSchema.punctuation.default", "!");
  });

  it("answers 404 for other paths", async () => {
    expect((await fetch(`${served.url}/other`)).status).toBe(404);
  });
});

/** A raw HTTP/1.1 server standing in for a misbehaving connector. */
async function rawServer(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("the HTTP client against other servers", () => {
  let raw: { url: string; close(): Promise<void> } | undefined;
  afterEach(async () => {
    await raw?.close();
    raw = undefined;
  });

  const answer = async (status: number, body: string, headers: Record<string, string> = {}) => {
    raw = await rawServer((_req, res) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(body);
    });
    return createExternalConnectorClient({ endpointUrl: raw.url, protocol: "http", timeoutMs: 2_000 });
  };

  it("rejects a 1.x response with data", async () => {
    const client = await answer(200, JSON.stringify({ success: true, data: {} }));
    expect(await client.execute(request)).toEqual({
      success: false,
      error: LEGACY_KEYS_MESSAGE,
      errorCode: "LEGACY_RESULT_KEYS",
    });
  });

  it("rejects a 1.x response with outputVariables", async () => {
    const client = await answer(200, JSON.stringify({ success: true, payload: {}, outputVariables: {} }));
    expect((await client.execute(request)).errorCode).toBe("LEGACY_RESULT_KEYS");
  });

  it("records x-connector-error as the failure text of a non-2xx answer", async () => {
    const client = await answer(503, "{}", { "x-connector-error": "upstream CRM unavailable (code 17)" });
    expect(await client.execute(request)).toEqual({
      success: false,
      error: "upstream CRM unavailable (code 17)",
      errorCode: "EXTERNAL_HTTP_503",
    });
  });

  it("caps x-connector-error at 200 characters", async () => {
    const client = await answer(500, "", { "x-connector-error": "x".repeat(500) });
    expect((await client.execute(request)).error).toBe("x".repeat(200));
  });

  it("names the status of a non-2xx answer without the header", async () => {
    const client = await answer(500, "<html>oops</html>");
    expect(await client.execute(request)).toEqual({
      success: false,
      error: "connector answered 500",
      errorCode: "EXTERNAL_HTTP_500",
    });
  });

  it("refuses a body over maxResponseBytes", async () => {
    raw = await rawServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: true, payload: { blob: "y".repeat(10_000) } }));
    });
    const client = createExternalConnectorClient({
      endpointUrl: raw.url,
      protocol: "http",
      maxResponseBytes: 1_000,
    });
    expect((await client.execute(request)).errorCode).toBe("TOO_LARGE");
  });

  it("refuses a body that is not an ExecuteResponse", async () => {
    const client = await answer(200, JSON.stringify({ success: "very" }));
    expect((await client.execute(request)).errorCode).toBe("INVALID_RESPONSE");
  });

  it("sends protocol 2.0 through the injected fetch", async () => {
    raw = await rawServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ success: true, payload: { seen: JSON.parse(body) } }));
      });
    });
    const spy = vi.fn(globalThis.fetch);
    const client = createExternalConnectorClient({
      endpointUrl: `${raw.url}/`,
      protocol: "http",
      fetch: spy,
    });
    const result = await client.execute({
      ...request,
      metadata: { stepId: "s", runId: "r", timeoutMs: 1_234 },
    });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]?.[0]).toBe(`${raw.url}/execute`);
    expect(result.payload?.seen).toEqual({
      protocolVersion: "2.0",
      command: "hello",
      config: {},
      params: { name: "Ada" },
      variables: {},
      metadata: { stepId: "s", runId: "r", timeout: 1234 },
    });
  });
});

describe("a connector that never answers", () => {
  let silent: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    silent = await listen(() => undefined, { port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await silent.close(100);
  });

  it.each<ExternalProtocol>(["grpc", "connect", "http"])("times out over %s", async (protocol) => {
    const client = createExternalConnectorClient({
      endpointUrl: `http://127.0.0.1:${silent.port}`,
      protocol,
      timeoutMs: 200,
    });
    // The connector never answers: only the timeout ends the call.
    expect(await client.execute(request)).toEqual({
      success: false,
      error: "connector did not answer in time",
      errorCode: "TIMEOUT",
    });
  });

  it("reports CANCELED when the caller aborts", async () => {
    const client = createExternalConnectorClient({
      endpointUrl: `http://127.0.0.1:${silent.port}`,
      protocol: "http",
    });
    const result = await client.execute(request, AbortSignal.timeout(100));
    expect(result.errorCode).toBe("CANCELED");
  });
});
