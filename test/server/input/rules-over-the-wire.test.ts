import { fromBinary } from "@bufbuild/protobuf";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BadRequest, BadRequestSchema } from "../../../gen/google/rpc/error_details_pb.ts";
import { StatusSchema } from "../../../gen/google/rpc/status_pb.ts";
import { ApiKeyService } from "../../../gen/patchbay/v1/api_keys_pb.ts";
import { ConnectionService } from "../../../gen/patchbay/v1/connection_pb.ts";
import { ExecuteService } from "../../../gen/patchbay/v1/execute_pb.ts";
import { WebhookService } from "../../../gen/patchbay/v1/webhook_pb.ts";
import { bearer, grpc, loadPatchbayProtos, unary } from "../../support/grpc-js-client.ts";
import { startTestServer, type TestServer } from "../../support/test-server.ts";

const UUID = "0b5c3a4e-9f1d-4c7e-8a2b-3d4e5f6a7b8c";

interface Clients {
  keys: ReturnType<typeof createClient<typeof ApiKeyService>>;
  connections: ReturnType<typeof createClient<typeof ConnectionService>>;
  execute: ReturnType<typeof createClient<typeof ExecuteService>>;
  webhooks: ReturnType<typeof createClient<typeof WebhookService>>;
}

interface RuleCase {
  readonly rule: string;
  readonly call: (c: Clients, headers: Record<string, string>) => Promise<unknown>;
  /** The same request over REST; undefined when its route cannot leave the field out (a path parameter). */
  readonly rest: { method: string; path: string; body?: unknown } | undefined;
  readonly field: string;
  readonly message: string;
  readonly reason: string;
}

// One request per kind of rule, each breaking exactly that rule.
const CASES: readonly RuleCase[] = [
  {
    rule: "required",
    call: (c, headers) => c.connections.startConnection({}, { headers }),
    rest: { method: "POST", path: "/api/v1/connections", body: {} },
    field: "connector_slug",
    message: "connector_slug is required",
    reason: "REQUIRED",
  },
  {
    rule: "a length range",
    call: (c, headers) => c.keys.createApiKey({ subject: "s".repeat(257), scopes: ["execute"] }, { headers }),
    rest: {
      method: "POST",
      path: "/api/v1/api-keys",
      body: { subject: "s".repeat(257), scopes: ["execute"] },
    },
    field: "subject",
    message: "subject must be 1-256 characters",
    reason: "MAX_LEN",
  },
  {
    rule: "a maximum length, nested",
    call: (c, headers) =>
      c.execute.execute(
        {
          target: { case: "connectorSlug", value: "http" },
          command: "request",
          metadata: { idempotencyKey: "k".repeat(129) },
        },
        { headers },
      ),
    rest: {
      method: "POST",
      path: "/api/v1/connectors/http/execute",
      body: { command: "request", metadata: { idempotencyKey: "k".repeat(129) } },
    },
    field: "metadata.idempotency_key",
    message: "metadata.idempotency_key must be at most 128 characters",
    reason: "MAX_LEN",
  },
  {
    rule: "a pattern, nested",
    call: (c, headers) =>
      c.execute.execute(
        {
          target: { case: "connectorSlug", value: "http" },
          command: "request",
          metadata: { mockScenario: "../etc" },
        },
        { headers },
      ),
    rest: {
      method: "POST",
      path: "/api/v1/connectors/http/execute",
      body: { command: "request", metadata: { mockScenario: "../etc" } },
    },
    field: "metadata.mock_scenario",
    message: "metadata.mock_scenario must match the pattern ^[A-Za-z0-9_-]+$",
    reason: "PATTERN",
  },
  {
    rule: "uuid",
    call: (c, headers) => c.connections.getConnection({ id: "not-a-uuid" }, { headers }),
    rest: { method: "GET", path: "/api/v1/connections/not-a-uuid" },
    field: "id",
    message: "id must be a UUID",
    reason: "UUID",
  },
  {
    rule: "uuid, in a oneof's message",
    call: (c, headers) =>
      c.webhooks.createEndpoint(
        {
          provider: "telegram",
          connectorSlug: "telegram",
          target: { kind: { case: "command", value: { connectionId: "x", command: "run" } } },
        },
        { headers },
      ),
    rest: {
      method: "POST",
      path: "/api/v1/webhook-endpoints",
      body: {
        provider: "telegram",
        connectorSlug: "telegram",
        target: { command: { connectionId: "x", command: "run" } },
      },
    },
    field: "target.command.connection_id",
    message: "target.command.connection_id must be a UUID",
    reason: "UUID",
  },
  {
    rule: "a closed set",
    call: (c, headers) => c.connections.listConnections({ status: "gone" }, { headers }),
    rest: { method: "GET", path: "/api/v1/connections?status=gone" },
    field: "status",
    message: "status must be one of pending, active, error, revoked",
    reason: "IN",
  },
  {
    rule: "a closed set, on a list item",
    call: (c, headers) => c.keys.createApiKey({ subject: "s", scopes: ["execute", "root"] }, { headers }),
    rest: { method: "POST", path: "/api/v1/api-keys", body: { subject: "s", scopes: ["execute", "root"] } },
    field: "scopes[1]",
    message:
      "scopes[1] must be one of catalog:read, catalog:write, connections, execute, webhooks:admin, webhooks:payload, mcp, agent, admin",
    reason: "IN",
  },
  {
    rule: "a range",
    call: (c, headers) => c.keys.rotateApiKey({ id: UUID, overlapSeconds: 604_801 }, { headers }),
    rest: { method: "POST", path: `/api/v1/api-keys/${UUID}:rotate`, body: { overlapSeconds: 604_801 } },
    field: "overlap_seconds",
    message: "overlap_seconds must be a whole number from 0 to 604800 (7 days)",
    reason: "RANGE",
  },
  {
    rule: "a minimum",
    call: (c, headers) => c.execute.listExecutions({ pageSize: -1 }, { headers }),
    rest: { method: "GET", path: "/api/v1/executions?pageSize=-1" },
    field: "page_size",
    message: "page_size must not be negative",
    reason: "RANGE",
  },
  {
    rule: "oneof_required",
    call: (c, headers) => c.execute.execute({ command: "request" }, { headers }),
    rest: undefined,
    field: "target",
    message: "connection_id or connector_slug is required",
    reason: "REQUIRED",
  },
];

function clients(transport: Transport): Clients {
  return {
    keys: createClient(ApiKeyService, transport),
    connections: createClient(ConnectionService, transport),
    execute: createClient(ExecuteService, transport),
    webhooks: createClient(WebhookService, transport),
  };
}

const violationsOf = (detail: BadRequest | undefined) =>
  detail?.fieldViolations.map((v) => ({ field: v.field, description: v.description, reason: v.reason }));

describe("declared request rules over the wire", () => {
  let t: TestServer;
  let headers: Record<string, string>;
  const protocols: [string, Clients][] = [];

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    headers = { authorization: `Bearer ${t.adminKey}` };
    protocols.push(["gRPC", clients(createGrpcTransport({ baseUrl: t.url }))]);
    protocols.push(["Connect JSON", clients(createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }))]);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  for (const c of CASES) {
    it(`refuses a request breaking ${c.rule} with INVALID_ARGUMENT and a BadRequest, on gRPC and Connect`, async () => {
      for (const [protocol, client] of protocols) {
        const error = ConnectError.from(
          await c.call(client, headers).then(
            () => undefined,
            (e: unknown) => e,
          ),
        );
        expect(error.code, protocol).toBe(Code.InvalidArgument);
        expect(error.rawMessage, protocol).toBe(c.message);
        expect(violationsOf(error.findDetails(BadRequestSchema)[0]), protocol).toEqual([
          { field: c.field, description: c.message, reason: c.reason },
        ]);
      }
    });

    if (c.rest === undefined) continue;
    const rest = c.rest;
    it(`refuses a request breaking ${c.rule} with 400 and the BadRequest in the REST error body`, async () => {
      const answer = await fetch(`${t.url}${rest.path}`, {
        method: rest.method,
        headers: { ...headers, ...(rest.body === undefined ? {} : { "content-type": "application/json" }) },
        ...(rest.body === undefined ? {} : { body: JSON.stringify(rest.body) }),
      });
      expect(answer.status).toBe(400);
      expect(answer.headers.get("x-patchbay-error")).toBe(c.message);
      const body = (await answer.json()) as {
        code: string;
        message: string;
        details: { type: string; value: string; debug?: unknown }[];
      };
      expect(body).toMatchObject({ code: "invalid_argument", message: c.message });
      const [detail] = body.details;
      expect(detail?.type).toBe("google.rpc.BadRequest");
      const decoded = fromBinary(BadRequestSchema, base64Decode(detail?.value ?? ""));
      expect(violationsOf(decoded)).toEqual([{ field: c.field, description: c.message, reason: c.reason }]);
      expect(detail?.debug).toEqual({
        fieldViolations: [{ field: c.field, description: c.message, reason: c.reason }],
      });
    });
  }

  it("sends the standard google.rpc.Status trailer that any gRPC client reads (@grpc/grpc-js)", async () => {
    const proto = loadPatchbayProtos() as unknown as {
      patchbay: {
        v1: { ConnectionService: new (url: string, creds: grpc.ChannelCredentials) => grpc.Client };
      };
    };
    const client = new proto.patchbay.v1.ConnectionService(
      t.url.replace(/^http:\/\//, ""),
      grpc.credentials.createInsecure(),
    );
    try {
      const error = (await unary(client, "getConnection", { id: "nope" }, bearer(t.adminKey)).catch(
        (e: unknown) => e,
      )) as grpc.ServiceError;
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error.details).toBe("id must be a UUID");
      const [bin] = error.metadata.get("grpc-status-details-bin");
      const status = fromBinary(
        StatusSchema,
        bin instanceof Buffer ? bin : Buffer.from(String(bin), "base64"),
      );
      expect(status).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, message: "id must be a UUID" });
      const [any] = status.details;
      expect(any?.typeUrl).toBe("type.googleapis.com/google.rpc.BadRequest");
      const detail = any === undefined ? undefined : anyUnpack(any, BadRequestSchema);
      expect(violationsOf(detail)).toEqual([
        { field: "id", description: "id must be a UUID", reason: "UUID" },
      ]);
    } finally {
      client.close();
    }
  });
});
