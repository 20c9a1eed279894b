import { toJson } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import type { ConfigSchemaJson } from "../../../gen/patchbay/v1/common_pb.ts";
import { ConfigSchemaSchema } from "../../../gen/patchbay/v1/common_pb.ts";
import { placeholderApiConnector } from "../../../src/connectors/builtin/placeholder-api.ts";
import { twilioConnector } from "../../../src/connectors/builtin/providers/twilio.ts";
import { effectiveConfig, lockedFields, toConfigSchema } from "../../../src/connectors/index.ts";

// An OpenAPI-derived schema: a server URL and an OAuth client-credentials flow as defaults.
const openapi: ConfigSchemaJson["connectionConfig"] = {
  baseUrl: { type: "string", required: true, default: "https://api.example.com/v1" },
  tokenUrl: { type: "string", default: "https://auth.example.com/token" },
  clientId: { type: "string" },
  clientSecret: { type: "secret", secret: true },
  apiKey: { type: "secret", secret: true },
};
const builtIn = (definition: Parameters<typeof toConfigSchema>[0]) =>
  (toJson(ConfigSchemaSchema, toConfigSchema(definition)) as ConfigSchemaJson).connectionConfig;

describe("effectiveConfig", () => {
  it("fills empty fields with their declared defaults and keeps the connection's own", () => {
    expect(effectiveConfig(openapi, {}, { apiKey: "k", baseUrl: "" })).toEqual({
      apiKey: "k",
      baseUrl: "https://api.example.com/v1",
      tokenUrl: "https://auth.example.com/token",
    });
    expect(effectiveConfig(openapi, {}, { apiKey: "k", baseUrl: "https://eu.example.com" }).baseUrl).toBe(
      "https://eu.example.com",
    );
  });

  it("lets the shared config win over the connection's fields", () => {
    const config = effectiveConfig(
      openapi,
      { baseUrl: "https://tenant.example.com" },
      { baseUrl: "https://elsewhere.example.net", apiKey: "k" },
    );
    expect(config.baseUrl).toBe("https://tenant.example.com");
  });

  it("never lets a connection choose where a shared OAuth client goes", () => {
    const config = effectiveConfig(
      openapi,
      { clientId: "id", clientSecret: "s3cret" },
      { tokenUrl: "https://evil.example.net/token", baseUrl: "https://evil.example.net" },
    );
    expect(config).toMatchObject({
      clientSecret: "s3cret",
      tokenUrl: "https://auth.example.com/token",
      baseUrl: "https://api.example.com/v1",
    });
  });

  it("never lets a connection choose where a built-in instance's shared key goes", () => {
    const fields = builtIn(twilioConnector);
    const config = effectiveConfig(
      fields,
      { authToken: "shared-auth-token" },
      { accountSid: "AC1", baseUrl: "https://evil.example.net" },
    );
    expect(config).toEqual({
      accountSid: "AC1",
      authToken: "shared-auth-token",
      baseUrl: "https://api.twilio.com",
    });
  });

  it("keeps a connection's own base URL and key when the instance config shares no secret", () => {
    const fields = builtIn(placeholderApiConnector);
    expect(effectiveConfig(fields, {}, { baseUrl: "https://own.example.com", apiKey: "own" })).toEqual({
      baseUrl: "https://own.example.com",
      apiKey: "own",
    });
  });
});

describe("lockedFields", () => {
  it("locks nothing when the instance config is empty", () => {
    expect([...lockedFields(openapi, {}).keys()]).toEqual([]);
  });

  it("locks what the config sets, and only that when it holds no secret", () => {
    expect([...lockedFields(openapi, { baseUrl: "https://tenant.example.com", apiKey: "" }).keys()]).toEqual([
      "baseUrl",
    ]);
  });

  it("locks every destination when the config holds a secret, by type, flag, or an undeclared key", () => {
    const fields: ConfigSchemaJson["connectionConfig"] = {
      token: { type: "secret" },
      pin: { type: "string", secret: true },
      apiBaseUrl: { type: "string" },
      authorizeURL: { type: "string" },
      redirectUri: { type: "string" },
      host: { type: "string" },
      subdomain: { type: "string" },
      gateway: { type: "string", placeholder: "https://gateway.example.com" },
      mirror: { type: "string", default: "wss://mirror.example.com" },
      region: { type: "string" },
    };
    const destinations = [
      "apiBaseUrl",
      "authorizeURL",
      "redirectUri",
      "host",
      "subdomain",
      "gateway",
      "mirror",
    ];
    for (const shared of [{ token: "t0ken-value" }, { pin: "1234-5678" }, { legacy: "undeclared" }]) {
      const locked = lockedFields(fields, shared);
      expect([...locked.keys()].sort()).toEqual([...Object.keys(shared), ...destinations].sort());
      expect(locked.has("region")).toBe(false);
    }
  });

  it("names the field in its reason, never a value", () => {
    const locked = lockedFields(openapi, { apiKey: "shared-key-value" });
    expect(locked.get("apiKey")).toBe("apiKey is set by the connector's config, not by a connection");
    expect(locked.get("baseUrl")).toBe(
      "baseUrl comes only from the connector's config or its default while that config holds a secret",
    );
    for (const reason of locked.values()) expect(reason).not.toContain("shared-key-value");
  });
});
