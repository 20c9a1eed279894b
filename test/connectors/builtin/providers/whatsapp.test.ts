import { describe, expect, it } from "vitest";
import { whatsappConnector } from "../../../../src/connectors/builtin/providers/whatsapp.ts";
import type { JsonObject } from "../../../../src/connectors/index.ts";
import { classifyFailure } from "../../../../src/execute/index.ts";
import { expectNoSecrets, jsonOf, onlyRequest, useFakeProvider } from "./fake-provider.ts";

const accessToken = "EAAGsecretMetaAccessToken0123456789";
const phoneNumberId = "106540352242922";
const wamid = "wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI1RjQ0QjdBRTEzMjYwQjYxMDkA";

const api = useFakeProvider();

const connection = (): JsonObject => ({ baseUrl: `${api.baseUrl}/v21.0`, accessToken, phoneNumberId });
const run = (config: JsonObject, conn: JsonObject = connection()) => api.run(whatsappConnector, config, conn);

const sent = {
  messaging_product: "whatsapp",
  contacts: [{ input: "15551234567", wa_id: "15551234567" }],
  messages: [{ id: wamid }],
};

describe("whatsapp: sendTextMessage", () => {
  it("posts a text message to /{phoneNumberId}/messages with a bearer token", async () => {
    api.answer(200, sent);
    const result = await run({
      command: "sendTextMessage",
      to: "+1 (555) 123-4567",
      text: "Your order shipped",
    });
    expect(result).toStrictEqual({
      success: true,
      payload: { messageId: wamid },
      variables: { messageId: wamid },
    });
    const request = onlyRequest(api);
    expect([request.method, request.url]).toStrictEqual(["POST", `/v21.0/${phoneNumberId}/messages`]);
    expect(request.headers.authorization).toBe(`Bearer ${accessToken}`);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(jsonOf(request)).toStrictEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "15551234567",
      type: "text",
      text: { body: "Your order shipped", preview_url: false },
    });
  });

  it("maps an expired token (Graph code 190) to an upstream auth failure without the token or number", async () => {
    api.answer(401, {
      error: {
        message: "Error validating access token for +15551234567",
        type: "OAuthException",
        code: 190,
        fbtrace_id: "A1",
      },
    });
    const result = await run({ command: "sendTextMessage", to: "15551234567", text: "hi" });
    expect(result).toStrictEqual({
      success: false,
      error: "WhatsApp API error (401)",
      diagnostics: { status: 401, code: 190 },
    });
    expect(classifyFailure(result)).toBe("upstream_auth");
    expectNoSecrets(result, accessToken, "15551234567", "validating");
  });

  it("classifies a throughput limit (130429 on a 400) as rate limited", async () => {
    api.answer(400, { error: { message: "Rate limit hit", type: "OAuthException", code: 130429 } });
    const result = await run({ command: "sendTextMessage", to: "15551234567", text: "hi" });
    expect(result).toStrictEqual({
      success: false,
      error: "WhatsApp rate limit reached (429)",
      diagnostics: { status: 429, httpStatus: 400, code: 130429 },
    });
    expect(classifyFailure(result)).toBe("upstream_rate_limited");
  });

  it("keeps other Graph errors as the command failing", async () => {
    api.answer(400, { error: { message: "(#131026) Message undeliverable", code: 131026 } });
    const result = await run({ command: "sendTextMessage", to: "15551234567", text: "hi" });
    expect(result.diagnostics).toStrictEqual({ status: 400, code: 131026 });
    expect(classifyFailure(result)).toBe("command_failed");
  });

  it("refuses a recipient that is not a phone number and a phone number id that could rewrite the path", async () => {
    expect(await run({ command: "sendTextMessage", to: "alice", text: "hi" })).toStrictEqual({
      success: false,
      error: "to must be a phone number with country code (6 to 15 digits)",
    });
    const bad = { ...connection(), phoneNumberId: "../me" };
    expect(await run({ command: "sendTextMessage", to: "15551234567", text: "hi" }, bad)).toMatchObject({
      success: false,
      error: "phoneNumberId must be the numeric id of a WhatsApp Business phone number",
    });
    expect(api.requests).toStrictEqual([]);
  });
});

describe("whatsapp: sendTemplateMessage and test", () => {
  it("posts a template with its language and components", async () => {
    api.answer(200, { ...sent, messages: [{ id: wamid, message_status: "accepted" }] });
    const components = [{ type: "body", parameters: [{ type: "text", text: "A-1042" }] }];
    const result = await run({
      command: "sendTemplateMessage",
      to: "15551234567",
      templateName: "order_update",
      components,
    });
    expect(result).toStrictEqual({
      success: true,
      payload: { messageId: wamid, messageStatus: "accepted" },
      variables: { messageId: wamid },
    });
    expect(jsonOf(onlyRequest(api))).toStrictEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "15551234567",
      type: "template",
      template: { name: "order_update", language: { code: "en_US" }, components },
    });
  });

  it("refuses components that are not a list", async () => {
    expect(
      await run({
        command: "sendTemplateMessage",
        to: "15551234567",
        templateName: "t",
        components: { type: "body" },
      }),
    ).toStrictEqual({ success: false, error: "components must be a list" });
    expect(api.requests).toStrictEqual([]);
  });

  it("tests the credentials by reading the phone number's id", async () => {
    api.answer(200, { id: phoneNumberId });
    expect(await run({ command: "test" })).toStrictEqual({ success: true, payload: { reachable: true } });
    const request = onlyRequest(api);
    expect([request.method, request.url, request.headers.authorization]).toStrictEqual([
      "GET",
      `/v21.0/${phoneNumberId}?fields=id`,
      `Bearer ${accessToken}`,
    ]);
  });

  it("fails on a send answer without a message id", async () => {
    api.answer(200, { messaging_product: "whatsapp", messages: [] });
    expect(await run({ command: "sendTextMessage", to: "15551234567", text: "hi" })).toStrictEqual({
      success: false,
      error: "WhatsApp returned an unexpected body for a sent message",
      diagnostics: { status: 200 },
    });
  });

  it("answers every command from its default mock without calling out", async () => {
    for (const command of Object.keys(whatsappConnector.commands)) {
      const result = await api.run(
        whatsappConnector,
        { command, to: "15551234567", text: "x", templateName: "t" },
        { accessToken, phoneNumberId },
        { mockScenario: "default" },
      );
      expect(result.success, command).toBe(true);
    }
    expect(api.requests).toStrictEqual([]);
  });
});
