import { describe, expect, it } from "vitest";
import { telegramConnector } from "../../../../src/connectors/builtin/providers/telegram.ts";
import type { JsonObject } from "../../../../src/connectors/index.ts";
import { classifyFailure } from "../../../../src/execute/index.ts";
import { expectNoSecrets, jsonOf, onlyRequest, useFakeProvider } from "./fake-provider.ts";

const botToken = "987654321:AAF_secret-bot-token-0123456789abcd";

const api = useFakeProvider();

const run = (config: JsonObject, connection: JsonObject = { baseUrl: api.baseUrl, botToken }) =>
  api.run(telegramConnector, config, connection);

const sentMessage = {
  message_id: 7,
  date: 1_700_000_000,
  chat: { id: -1001234567890, type: "supergroup" },
  text: "Hello",
};

describe("telegram: sendMessage", () => {
  it("posts chat_id and text as JSON to /bot<token>/sendMessage and returns the message", async () => {
    api.answer(200, { ok: true, result: sentMessage });
    const result = await run({
      command: "sendMessage",
      chatId: "-1001234567890",
      text: "Hello",
      parseMode: "HTML",
    });
    expect(result).toStrictEqual({
      success: true,
      payload: { message: sentMessage },
      variables: { messageId: 7 },
    });
    const request = onlyRequest(api);
    expect(request.method).toBe("POST");
    expect(request.url).toBe(`/bot${botToken}/sendMessage`);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers.authorization).toBeUndefined();
    expect(jsonOf(request)).toStrictEqual({ chat_id: "-1001234567890", text: "Hello", parse_mode: "HTML" });
  });

  it("sends a silent reply with reply_parameters", async () => {
    api.answer(200, { ok: true, result: sentMessage });
    await run({
      command: "sendMessage",
      chatId: "@channel",
      text: "Hi",
      disableNotification: true,
      replyToMessageId: 5,
    });
    expect(jsonOf(onlyRequest(api))).toStrictEqual({
      chat_id: "@channel",
      text: "Hi",
      disable_notification: true,
      reply_parameters: { message_id: 5 },
    });
  });

  it("maps a refused token (401) to an upstream auth failure without the token or description", async () => {
    api.answer(401, { ok: false, error_code: 401, description: "Unauthorized" });
    const result = await run({ command: "sendMessage", chatId: "1", text: "Hello" });
    expect(result).toStrictEqual({
      success: false,
      error: "Telegram API error (401)",
      diagnostics: { status: 401 },
    });
    expect(classifyFailure(result)).toBe("upstream_auth");
    expectNoSecrets(result, botToken, "Unauthorized");
  });

  it("maps a flood limit (429) to a rate-limited failure with Telegram's retry_after", async () => {
    api.answer(429, {
      ok: false,
      error_code: 429,
      description: "Too Many Requests: retry after 5",
      parameters: { retry_after: 5 },
    });
    const result = await run({ command: "sendMessage", chatId: "1", text: "Hello" });
    expect(result).toStrictEqual({
      success: false,
      error: "Telegram rate limit reached (429)",
      diagnostics: { status: 429, retryAfterSeconds: 5 },
    });
    expect(classifyFailure(result)).toBe("upstream_rate_limited");
  });

  it("keeps Telegram's free-text description out of a 400 failure", async () => {
    api.answer(400, { ok: false, error_code: 400, description: "Bad Request: chat not found +15551234567" });
    const result = await run({ command: "sendMessage", chatId: "1", text: "Hello" });
    expect(result).toStrictEqual({
      success: false,
      error: "Telegram API error (400)",
      diagnostics: { status: 400 },
    });
    expect(classifyFailure(result)).toBe("command_failed");
    expectNoSecrets(result, "chat not found", "+15551234567");
  });

  it("maps a 502 to an unavailable upstream", async () => {
    api.answer(502, "Bad Gateway");
    const result = await run({ command: "sendMessage", chatId: "1", text: "Hello" });
    expect(classifyFailure(result)).toBe("upstream_unavailable");
  });

  it("refuses a token that could rewrite the path, without calling out or echoing it", async () => {
    const result = await run(
      { command: "sendMessage", chatId: "1", text: "Hello" },
      { baseUrl: api.baseUrl, botToken: "1:../../admin?x=" },
    );
    expect(result).toStrictEqual({
      success: false,
      error: "botToken is not a Telegram bot token (<digits>:<secret>)",
    });
    expect(api.requests).toStrictEqual([]);
  });

  it("refuses text over 4096 characters and a missing chat id before calling out", async () => {
    expect(await run({ command: "sendMessage", chatId: "1", text: "x".repeat(4097) })).toMatchObject({
      success: false,
      error: "text must be at most 4096 characters",
    });
    expect(await run({ command: "sendMessage", text: "Hello" })).toMatchObject({
      success: false,
      errorCode: "MISSING_REQUIRED_FIELDS",
    });
    expect(api.requests).toStrictEqual([]);
  });

  it("fails on a success answer without a message", async () => {
    api.answer(200, { ok: true, result: true });
    expect(await run({ command: "sendMessage", chatId: "1", text: "Hello" })).toStrictEqual({
      success: false,
      error: "Telegram returned an unexpected body for sendMessage",
      diagnostics: { status: 200 },
    });
  });
});

describe("telegram: getMe, getWebhookInfo and test", () => {
  const bot = { id: 987654321, is_bot: true, first_name: "Patchbay", username: "patchbay_bot" };

  it("reads the bot with GET /bot<token>/getMe", async () => {
    api.answer(200, { ok: true, result: bot });
    expect(await run({ command: "getMe" })).toStrictEqual({ success: true, payload: { bot } });
    const request = onlyRequest(api);
    expect([request.method, request.url, request.body]).toStrictEqual(["GET", `/bot${botToken}/getMe`, ""]);
  });

  it("reads the webhook status with GET /bot<token>/getWebhookInfo", async () => {
    const webhook = {
      url: "https://patchbay.example/api/v1/connectors/webhooks/telegram/ep",
      pending_update_count: 2,
    };
    api.answer(200, { ok: true, result: webhook });
    expect(await run({ command: "getWebhookInfo" })).toStrictEqual({ success: true, payload: { webhook } });
    expect(onlyRequest(api).url).toBe(`/bot${botToken}/getWebhookInfo`);
  });

  it("tests the credentials with getMe", async () => {
    api.answer(200, { ok: true, result: bot });
    expect(await run({ command: "test" })).toStrictEqual({ success: true, payload: { reachable: true } });
    expect(onlyRequest(api).url).toBe(`/bot${botToken}/getMe`);
  });

  it("fails the test with a 404 for an unknown bot", async () => {
    api.answer(404, { ok: false, error_code: 404, description: "Not Found" });
    const result = await run({ command: "test" });
    expect(result).toStrictEqual({
      success: false,
      error: "Telegram API error (404)",
      diagnostics: { status: 404 },
    });
    expectNoSecrets(result, botToken);
  });
});

describe("telegram: mocks", () => {
  it("answers every command from its default scenario without calling out", async () => {
    for (const command of Object.keys(telegramConnector.commands)) {
      const result = await api.run(
        telegramConnector,
        { command, chatId: "1", text: "Hello" },
        { botToken },
        { mockScenario: "default" },
      );
      expect(result.success, command).toBe(true);
    }
    expect(api.requests).toStrictEqual([]);
  });
});
