import { toJson } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigSchemaSchema } from "../../../gen/patchbay/v1/common_pb.ts";
import {
  createExternalConnectorClient,
  type ExternalExecuteRequest,
  type ExternalProtocol,
  type ServedConnector,
  serveConnector,
} from "../../../src/connectors/external/index.ts";
import { greeterFixture } from "./greeter-fixture.ts";

let served: ServedConnector;

beforeAll(async () => {
  served = await serveConnector(greeterFixture, { host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await served.close();
});

function call(command: string, params: ExternalExecuteRequest["params"] = {}): ExternalExecuteRequest {
  return {
    command,
    config: { apiKey: "k-123" },
    params,
    variables: { before: 1 },
    metadata: { stepId: "step-1", runId: "run-1", timeoutMs: 5_000 },
  };
}

describe.each<ExternalProtocol>(["grpc", "connect", "http"])("a served definition over %s", (protocol) => {
  const client = () => createExternalConnectorClient({ endpointUrl: served.url, protocol, timeoutMs: 5_000 });

  it("returns the payload and variables of a successful command", async () => {
    const result = await client().execute(call("hello", { name: "Ada" }));
    expect(result).toEqual({
      success: true,
      payload: { greeting: "Hello, Ada!", runId: "run-1" },
      variables: { greeted: "Ada", keyLength: 5 },
    });
  });

  it("returns error, diagnostics and variables of a failed command", async () => {
    const result = await client().execute(call("reject"));
    expect(result).toMatchObject({
      success: false,
      error: "Upstream rejected the request",
      diagnostics: { statusCode: 502 },
      variables: { rejected: true },
    });
    expect(result.errorCode).toBe(protocol === "http" ? "EXTERNAL_HTTP_422" : undefined);
  });

  it("reports a missing required param as an invalid request", async () => {
    const result = await client().execute(call("hello"));
    expect(result).toEqual({
      success: false,
      error: "Missing required field(s): name",
      errorCode: protocol === "http" ? "EXTERNAL_HTTP_400" : "EXTERNAL_INVALID_ARGUMENT",
    });
  });

  it("reports an unknown command as an invalid request", async () => {
    const result = await client().execute(call("nope"));
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/^Unknown command 'nope'/);
  });

  it("hides the message of a handler that throws", async () => {
    const result = await client().execute(call("boom"));
    expect(result.success).toBe(false);
    expect(result.error).toBe("command failed unexpectedly");
    expect(JSON.stringify(result)).not.toContain("jane@example.com");
  });

  it("describes the connector's schema", async () => {
    const schema = await client().describe();
    const stored = toJson(ConfigSchemaSchema, schema.configSchema);
    expect(schema.name).toBe("greeter-test");
    expect(schema.version).toBe("1.2.3");
    expect(schema.authType).toBe("api_key");
    expect(stored.connectionConfig?.apiKey).toEqual({
      type: "secret",
      required: true,
      secret: true,
      description: "API key.",
    });
    expect(stored.commands?.hello).toEqual({
      description: "Says hello.",
      params: ["name", "punctuation"],
      outputs: ["greeting"],
      paramSchema: {
        name: { type: "string", required: true },
        punctuation: { type: "string", default: "!" },
      },
      readOnly: true,
    });
    expect(Object.keys(schema.configSchema.commands)).toEqual(["hello", "reject", "boom"]);
  });

  it("reports the connector healthy", async () => {
    expect(await client().health()).toBe(true);
  });
});

describe("an unreachable connector", () => {
  it.each<ExternalProtocol>(["grpc", "connect", "http"])(
    "over %s is unhealthy and fails execute",
    async (protocol) => {
      const client = createExternalConnectorClient({
        endpointUrl: "http://127.0.0.1:9",
        protocol,
        timeoutMs: 2_000,
      });
      expect(await client.health()).toBe(false);
      const result = await client.execute(call("hello", { name: "Ada" }));
      expect(result.success).toBe(false);
      expect(result.errorCode).toMatch(/^EXTERNAL_/);
      await expect(client.describe()).rejects.toThrow(/Describe failed|schema unavailable/);
    },
  );
});
