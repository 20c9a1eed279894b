import { toJson } from "@bufbuild/protobuf";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigSchemaSchema } from "../../../../gen/patchbay/v1/common_pb.ts";
import { discordConnector } from "../../../../src/connectors/builtin/providers/discord.ts";
import { githubConnector } from "../../../../src/connectors/builtin/providers/github.ts";
import { gmailConnector } from "../../../../src/connectors/builtin/providers/gmail.ts";
import { linearConnector } from "../../../../src/connectors/builtin/providers/linear.ts";
import {
  mapProviderError,
  ProviderApiError,
  safeCode,
} from "../../../../src/connectors/builtin/providers/provider-api-error.ts";
import { slackConnector } from "../../../../src/connectors/builtin/providers/slack.ts";
import { stripeConnector } from "../../../../src/connectors/builtin/providers/stripe.ts";
import { telegramConnector } from "../../../../src/connectors/builtin/providers/telegram.ts";
import { twilioConnector } from "../../../../src/connectors/builtin/providers/twilio.ts";
import { whatsappConnector } from "../../../../src/connectors/builtin/providers/whatsapp.ts";
import {
  BUILT_IN_DEFINITIONS,
  type ConnectorDefinition,
  type JsonObject,
  toConfigSchema,
} from "../../../../src/connectors/index.ts";
import { createOutboundClient } from "../../../../src/outbound/index.ts";
import { runCommand } from "./fake-provider.ts";

interface Row {
  definition: ConnectorDefinition;
  slug: string;
  authType: "api_key" | "oauth";
  secrets: string[];
  commands: string[];
  baseUrl: string;
  /** A command and connection that reach the network with the default base URL. */
  call: { config: JsonObject; connection: JsonObject };
}

const ROWS: Row[] = [
  {
    definition: telegramConnector,
    slug: "telegram",
    authType: "api_key",
    secrets: ["botToken"],
    commands: ["setupWebhook", "test", "sendMessage", "getMe", "getWebhookInfo"],
    baseUrl: "https://api.telegram.org",
    call: {
      config: { command: "getMe" },
      connection: { botToken: "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
    },
  },
  {
    definition: slackConnector,
    slug: "slack",
    authType: "api_key",
    secrets: ["botToken"],
    commands: ["test", "postMessage", "listConversations"],
    baseUrl: "https://slack.com/api",
    call: { config: { command: "listConversations" }, connection: { botToken: "xoxb-1" } },
  },
  {
    definition: discordConnector,
    slug: "discord",
    authType: "api_key",
    secrets: ["botToken"],
    commands: ["test", "createMessage", "getCurrentUser", "getChannel"],
    baseUrl: "https://discord.com/api/v10",
    call: { config: { command: "getCurrentUser" }, connection: { botToken: "t" } },
  },
  {
    definition: whatsappConnector,
    slug: "whatsapp",
    authType: "api_key",
    secrets: ["accessToken"],
    commands: ["test", "sendTextMessage", "sendTemplateMessage"],
    baseUrl: "https://graph.facebook.com/v21.0",
    call: { config: { command: "test" }, connection: { accessToken: "t", phoneNumberId: "1" } },
  },
  {
    definition: twilioConnector,
    slug: "twilio",
    authType: "api_key",
    secrets: ["authToken"],
    commands: ["test", "sendSms", "getMessage"],
    baseUrl: "https://api.twilio.com",
    call: { config: { command: "test" }, connection: { accountSid: `AC${"0".repeat(32)}`, authToken: "t" } },
  },
  {
    definition: gmailConnector,
    slug: "gmail",
    authType: "oauth",
    secrets: ["clientSecret"],
    commands: ["listMessages", "getMessage", "sendMessage"],
    baseUrl: "https://gmail.googleapis.com",
    call: { config: { command: "listMessages" }, connection: { accessToken: "t" } },
  },
  {
    definition: githubConnector,
    slug: "github",
    authType: "oauth",
    secrets: ["clientSecret"],
    commands: ["createWebhook", "createIssue", "getIssue", "listRepositoryIssues"],
    baseUrl: "https://api.github.com",
    call: {
      config: { command: "getIssue", owner: "o", repo: "r", issueNumber: 1 },
      connection: { accessToken: "t" },
    },
  },
  {
    definition: linearConnector,
    slug: "linear",
    authType: "api_key",
    secrets: ["apiKey"],
    commands: ["test", "createIssue", "getViewer", "listTeams"],
    baseUrl: "https://api.linear.app",
    call: { config: { command: "getViewer" }, connection: { apiKey: "k" } },
  },
  {
    definition: stripeConnector,
    slug: "stripe",
    authType: "api_key",
    secrets: ["secretKey"],
    commands: ["createWebhookEndpoint", "test", "createCustomer", "getCustomer", "listInvoices"],
    baseUrl: "https://api.stripe.com",
    call: { config: { command: "listInvoices" }, connection: { secretKey: "sk_test_1" } },
  },
];

const resolved: string[] = [];

// Every provider host "resolves" to a documentation address the egress policy refuses, so a call with
// the default base URL names its host in the failure and nothing leaves the machine.
const outbound = createOutboundClient({
  lookup: async (hostname) => {
    resolved.push(hostname);
    return [{ address: "192.0.2.1", family: 4 }];
  },
});
afterAll(() => outbound.close());

describe.each(ROWS)("$slug: catalog definition", (row) => {
  // As the catalog stores it: proto JSON, defaults left out.
  const schema = toJson(ConfigSchemaSchema, toConfigSchema(row.definition));

  it("is registered under its slug with its auth type and commands", () => {
    expect(BUILT_IN_DEFINITIONS).toContain(row.definition);
    expect(row.definition.name).toBe(row.slug);
    expect(row.definition.authType).toBe(row.authType);
    expect(Object.keys(schema.commands ?? {})).toStrictEqual(row.commands);
    expect(row.definition.webhook).toStrictEqual({ provider: row.slug });
  });

  it("marks exactly its credential fields secret", () => {
    const secret = Object.entries(schema.connectionConfig ?? {})
      .filter(([, field]) => field.secret === true)
      .map(([key]) => key);
    expect(secret).toStrictEqual(row.secrets);
  });

  it("has an optional baseUrl defaulting to the provider's API", () => {
    expect(schema.connectionConfig?.baseUrl).toMatchObject({ type: "string", default: row.baseUrl });
    expect(schema.connectionConfig?.baseUrl?.required).toBeUndefined();
  });

  it("calls the provider's host when the connection gives no baseUrl", async () => {
    const result = await runCommand(outbound, row.definition, row.call.config, row.call.connection);
    const host = new URL(row.baseUrl).hostname;
    expect(result).toMatchObject({ success: false, errorCode: "EGRESS_REFUSED" });
    expect(result.error).toContain(`Outbound request to ${host} refused`);
    expect(resolved).toContain(host);
  });
});

describe("OAuth settings", () => {
  it("gmail asks Google for offline access to read and send mail", () => {
    expect(gmailConnector.oauth).toStrictEqual({
      authorizeUrl: "https://accounts.google.com/o/oauth2/v2/auth",
      tokenUrl: "https://oauth2.googleapis.com/token",
      revokeUrl: "https://oauth2.googleapis.com/revoke",
      scopes: [
        "https://www.googleapis.com/auth/gmail.readonly",
        "https://www.googleapis.com/auth/gmail.send",
      ],
      extraAuthorizeParams: { access_type: "offline", prompt: "consent" },
      selectAccountParams: { prompt: "select_account consent" },
      tokenAuthMethod: "client_secret_post",
    });
  });

  it("github uses GitHub's OAuth app endpoints with the repo scope", () => {
    expect(githubConnector.oauth).toStrictEqual({
      authorizeUrl: "https://github.com/login/oauth/authorize",
      tokenUrl: "https://github.com/login/oauth/access_token",
      scopes: ["repo"],
      tokenAuthMethod: "client_secret_post",
    });
  });
});

describe("mapProviderError", () => {
  it("maps only ProviderApiError", () => {
    expect(mapProviderError(new Error("boom"))).toBeNull();
    expect(mapProviderError(new ProviderApiError("Acme", { status: 502 }, 502))).toStrictEqual({
      error: "Acme API error (502)",
      diagnostics: { status: 502 },
    });
  });

  it("lets only plain tokens and integers through as codes", () => {
    expect(safeCode("channel_not_found")).toBe("channel_not_found");
    expect(safeCode(50001)).toBe(50001);
    expect(safeCode("chat not found")).toBeUndefined();
    expect(safeCode("x".repeat(65))).toBeUndefined();
    expect(safeCode(1.5)).toBeUndefined();
    expect(safeCode({ code: 1 })).toBeUndefined();
  });
});
