import { describe, expect, it } from "vitest";
import type { ConfigSchemaJson } from "../../gen/patchbay/v1/common_pb.ts";
import { effectiveConfig } from "../../src/execute/run-openapi.ts";

const schema: ConfigSchemaJson = {
  connectionConfig: {
    baseUrl: { type: "string", required: true, default: "https://api.example.com/v1" },
    tokenUrl: { type: "string", default: "https://auth.example.com/token" },
    clientId: { type: "string" },
    clientSecret: { type: "secret", secret: true },
    apiKey: { type: "secret", secret: true },
  },
  commands: {},
};
const connector = (shared: Record<string, unknown>) => ({
  configSchema: schema,
  instanceConfig: () => shared,
});

describe("effectiveConfig (OpenAPI-derived connectors)", () => {
  it("fills empty fields with the document's defaults and keeps the connection's own", () => {
    expect(effectiveConfig(connector({}), { apiKey: "k", baseUrl: "" })).toEqual({
      apiKey: "k",
      baseUrl: "https://api.example.com/v1",
      tokenUrl: "https://auth.example.com/token",
    });
    expect(effectiveConfig(connector({}), { apiKey: "k", baseUrl: "https://eu.example.com" }).baseUrl).toBe(
      "https://eu.example.com",
    );
  });

  it("lets the shared config win over the connection's fields", () => {
    const config = effectiveConfig(connector({ baseUrl: "https://tenant.example.com" }), {
      baseUrl: "https://elsewhere.example.net",
      apiKey: "k",
    });
    expect(config.baseUrl).toBe("https://tenant.example.com");
  });

  it("never lets a connection choose where a shared secret goes", () => {
    const shared = { clientId: "id", clientSecret: "s3cret" };
    const config = effectiveConfig(connector(shared), {
      tokenUrl: "https://evil.example.net/token",
      baseUrl: "https://evil.example.net",
    });
    expect(config).toMatchObject({
      clientSecret: "s3cret",
      tokenUrl: "https://auth.example.com/token",
      baseUrl: "https://api.example.com/v1",
    });
  });
});
