import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { type LoopbackServer, startLoopbackServer } from "../outbound/loopback-server.ts";
import { bearer, grpc, loadPatchbayProtos, unary } from "../support/grpc-js-client.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const DEPRECATED = "x-patchbay-deprecated";

// A script connector made through the API, as its authors make them: two deprecated commands (one with a
// message, one without), one current command, and commands that send bodies to an upstream.
const SCRIPT = `
function oldList() { return { payload: { listed: patchbay.params.limit } }; }
function bare() { return { payload: {} }; }
function listV2() { return { payload: { listed: 2 } }; }
function postText() { return { payload: { status: patchbay.http.post(patchbay.params.url, "plain words").status } }; }
function postJson() { return { payload: { status: patchbay.http.post(patchbay.params.url, { a: 1 }).status } }; }
function postTyped() {
  return { payload: { status: patchbay.http.post(patchbay.params.url, "<a/>", { "Content-Type": "application/xml" }).status } };
}
`;

const urlParam = { params: ["url"], paramSchema: { url: { type: "string", required: true } } };
const SCHEMA = {
  connectionConfig: {},
  commands: {
    oldList: {
      description: "List (old)",
      params: ["limit"],
      paramSchema: { limit: { type: "number", required: true } },
      deprecated: true,
      deprecatedMessage: "Use listV2 instead",
    },
    bare: { description: "Deprecated without a message", deprecated: true },
    listV2: { description: "List" },
    postText: { description: "POST a string", ...urlParam },
    postJson: { description: "POST an object", ...urlParam },
    postTyped: { description: "POST a string with its own type", ...urlParam },
  },
};

describe("Execute: deprecation, request bodies and plain returns over the wire", () => {
  let t: TestServer;
  let upstream: LoopbackServer;
  const auth = () => ({ authorization: `Bearer ${t.adminKey}` });
  const connectJson = (body: unknown) =>
    fetch(`${t.url}/patchbay.v1.ExecuteService/Execute`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const rest = (slug: string, body: unknown) =>
    fetch(`${t.url}/api/v1/connectors/${slug}/execute`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const record = async (id: string) =>
    (
      (await (await fetch(`${t.url}/api/v1/executions/${id}`, { headers: auth() })).json()) as {
        execution: { deprecation?: string; status: string };
      }
    ).execution;

  beforeAll(async () => {
    upstream = await startLoopbackServer("127.0.0.1", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    t = await startTestServer("postgresql", { PATCHBAY_EGRESS_ALLOW: "127.0.0.1/32" });
    const created = await fetch(`${t.url}/api/v1/connectors`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({
        name: "legacy-crm",
        executionModel: "script",
        configSchema: SCHEMA,
        scriptSource: SCRIPT,
      }),
    });
    expect(created.status).toBe(200);
  });
  afterAll(async () => {
    await t?.stop();
    await upstream?.close();
  });

  describe("item 2: a deprecated command of a connector created through the API", () => {
    it("answers Connect JSON with x-patchbay-deprecated, marks the record and logs a warning", async () => {
      const res = await connectJson({
        connectorSlug: "legacy-crm",
        command: "oldList",
        params: { limit: 3 },
        metadata: { stepId: "step-deprecated" },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get(DEPRECATED)).toBe("Use listV2 instead");
      const body = (await res.json()) as { payload: unknown; executionId: string };
      expect(body.payload).toEqual({ listed: 3 });
      // A time-ordered id (version 7): records are appended to their primary key.
      expect(body.executionId).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(await record(body.executionId)).toMatchObject({
        status: "succeeded",
        deprecation: "Use listV2 instead",
      });
      // An idempotent replay answers the stored reply without running the command: it still says so.
      const again = { connectorSlug: "legacy-crm", command: "oldList", params: { limit: 4 } };
      const keyed = { ...again, metadata: { idempotencyKey: "deprecated-once" } };
      expect((await connectJson(keyed)).headers.get(DEPRECATED)).toBe("Use listV2 instead");
      const replayed = await connectJson(keyed);
      expect(replayed.headers.get(DEPRECATED)).toBe("Use listV2 instead");
      const warnings = t.logs
        .lines()
        .filter((line) => line.msg === "deprecated command called" && line.command === "oldList");
      // One per run: the first call and the keyed one ran, the replay did not.
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatchObject({
        level: "warn",
        connector: "legacy-crm",
        deprecatedMessage: "Use listV2 instead",
      });
    });

    it("answers REST with the header, also when the call fails", async () => {
      const ok = await rest("legacy-crm", { command: "oldList", params: { limit: 1 } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get(DEPRECATED)).toBe("Use listV2 instead");
      const refused = await rest("legacy-crm", { command: "oldList", params: {} });
      expect(refused.status).toBe(400);
      expect(refused.headers.get(DEPRECATED)).toBe("Use listV2 instead");
    });

    it("gives gRPC clients (grpc-js and connect-es) the notice as response metadata", async () => {
      const v1 = (loadPatchbayProtos().patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject;
      const Client = v1.ExecuteService as grpc.ServiceClientConstructor;
      const client = new Client(t.url.replace(/^http:\/\//, ""), grpc.credentials.createInsecure());
      try {
        const { headers } = await unary(
          client,
          "execute",
          {
            connectorSlug: "legacy-crm",
            command: "oldList",
            params: { fields: { limit: { numberValue: 2 } } },
          },
          bearer(t.adminKey),
        );
        expect(headers.get(DEPRECATED)).toEqual(["Use listV2 instead"]);
      } finally {
        client.close();
      }
      let seen: string | null = null;
      await createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url })).execute(
        { target: { case: "connectorSlug", value: "legacy-crm" }, command: "bare" },
        { headers: auth(), onHeader: (header) => (seen = header.get(DEPRECATED)) },
      );
      expect(seen).toBe("this command is deprecated");
    });

    it("answers the header for an OpenAPI operation the description marks deprecated", async () => {
      const document = {
        openapi: "3.0.3",
        info: { title: "Old API", version: "1.0.0" },
        servers: [{ url: upstream.origin }],
        paths: {
          "/old": {
            get: { operationId: "getOld", deprecated: true, responses: { "200": { description: "ok" } } },
          },
        },
      };
      const created = await fetch(`${t.url}/api/v1/connectors`, {
        method: "POST",
        headers: { ...auth(), "content-type": "application/json" },
        body: JSON.stringify({
          name: "old-api",
          executionModel: "openapi",
          openapiDocument: JSON.stringify(document),
        }),
      });
      expect(created.status).toBe(200);
      const res = await rest("old-api", { command: "getOld" });
      expect(res.status).toBe(200);
      expect(res.headers.get(DEPRECATED)).toBe("Deprecated in the API description.");
    });

    it("says nothing for a command that is not deprecated", async () => {
      const res = await connectJson({ connectorSlug: "legacy-crm", command: "listV2" });
      expect(res.status).toBe(200);
      expect(res.headers.has(DEPRECATED)).toBe(false);
      const { executionId } = (await res.json()) as { executionId: string };
      expect((await record(executionId)).deprecation ?? "").toBe("");
    });
  });

  describe("item 12: a request body without a Content-Type gets one", () => {
    const run = async (command: string) => {
      const res = await connectJson({
        connectorSlug: "legacy-crm",
        command,
        params: { url: `${upstream.origin}/${command}` },
      });
      expect(res.status).toBe(200);
      return upstream.requests.findLast((seen) => seen.url === `/${command}`);
    };

    it("sends a script's string body as text/plain; charset=utf-8 and its object body as JSON", async () => {
      expect(await run("postText")).toMatchObject({
        body: "plain words",
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
      expect(await run("postJson")).toMatchObject({
        body: '{"a":1}',
        headers: { "content-type": "application/json" },
      });
      expect((await run("postTyped"))?.headers["content-type"]).toBe("application/xml");
    });

    it("does the same for the http built-in", async () => {
      const send = async (path: string, body: unknown) => {
        const res = await connectJson({
          connectorSlug: "http",
          command: "request",
          params: { url: `${upstream.origin}${path}`, method: "POST", body },
        });
        expect(res.status).toBe(200);
        return upstream.requests.findLast((seen) => seen.url === path);
      };
      expect((await send("/http-text", "plain words"))?.headers["content-type"]).toBe(
        "text/plain; charset=utf-8",
      );
      expect((await send("/http-json", { a: 1 }))?.headers["content-type"]).toBe("application/json");
    });
  });

  it("item 10: a built-in handler's plain { payload, variables } return reaches the caller", async () => {
    // The http built-in returns the plain form (no succeed()).
    const res = await rest("http", { command: "request", params: { url: `${upstream.origin}/plain` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      payload: { status: 200, body: {} },
      variables: { httpStatus: 200 },
    });
  });
});
