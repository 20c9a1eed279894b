import { describe, expect, it } from "vitest";
import { discordConnector } from "../../../../src/connectors/builtin/providers/discord.ts";
import type { JsonObject } from "../../../../src/connectors/index.ts";
import { classifyFailure } from "../../../../src/execute/index.ts";
import { expectNoSecrets, jsonOf, onlyRequest, useFakeProvider } from "./fake-provider.ts";

const botToken = "MTEwMDAwMDAwMDAwMDAwMDAwMA.GsecretDiscordBotToken";
const channelId = "1100000000000000001";

const api = useFakeProvider();

const run = (config: JsonObject, connection: JsonObject = { baseUrl: `${api.baseUrl}/api/v10`, botToken }) =>
  api.run(discordConnector, config, connection);

describe("discord: createMessage", () => {
  it("posts the content to /channels/{id}/messages with a Bot authorization and no mentions parsed", async () => {
    const message = { id: "1200000000000000001", channel_id: channelId, content: "Build green" };
    api.answer(200, message);
    const result = await run({ command: "createMessage", channelId, content: "Build green" });
    expect(result).toStrictEqual({
      success: true,
      payload: { message },
      variables: { messageId: message.id },
    });
    const request = onlyRequest(api);
    expect([request.method, request.url]).toStrictEqual(["POST", `/api/v10/channels/${channelId}/messages`]);
    expect(request.headers.authorization).toBe(`Bot ${botToken}`);
    expect(request.headers["user-agent"]).toMatch(/^DiscordBot \(/);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(jsonOf(request)).toStrictEqual({ content: "Build green", allowed_mentions: { parse: [] } });
  });

  it("lets mentions notify when asked", async () => {
    api.answer(200, { id: "1", content: "@everyone" });
    await run({ command: "createMessage", channelId, content: "@everyone", allowMentions: true });
    expect(jsonOf(onlyRequest(api))).toStrictEqual({ content: "@everyone" });
  });

  it("maps 403 Missing Access to an upstream auth failure with Discord's numeric code", async () => {
    api.answer(403, { code: 50001, message: "Missing Access" });
    const result = await run({ command: "createMessage", channelId, content: "hi" });
    expect(result).toStrictEqual({
      success: false,
      error: "Discord API error (403)",
      diagnostics: { status: 403, code: 50001 },
    });
    expect(classifyFailure(result)).toBe("upstream_auth");
    expectNoSecrets(result, botToken, "Missing Access");
  });

  it("maps a 429 to a rate-limited failure with the body's retry_after", async () => {
    api.answer(429, { message: "You are being rate limited.", retry_after: 1.5, global: false });
    const result = await run({ command: "createMessage", channelId, content: "hi" });
    expect(result).toStrictEqual({
      success: false,
      error: "Discord rate limit reached (429)",
      diagnostics: { status: 429, retryAfterSeconds: 1.5 },
    });
    expect(classifyFailure(result)).toBe("upstream_rate_limited");
  });

  it("refuses a channel id that is not a snowflake and content over 2000 characters before calling out", async () => {
    expect(await run({ command: "createMessage", channelId: "../users/@me", content: "hi" })).toStrictEqual({
      success: false,
      error: "channelId must be a Discord snowflake",
    });
    expect(await run({ command: "createMessage", channelId, content: "x".repeat(2001) })).toMatchObject({
      success: false,
      error: "content must be at most 2000 characters",
    });
    expect(api.requests).toStrictEqual([]);
  });
});

describe("discord: getCurrentUser, getChannel and test", () => {
  const user = { id: "1100000000000000000", username: "patchbay", bot: true };

  it("reads /users/@me", async () => {
    api.answer(200, user);
    expect(await run({ command: "getCurrentUser" })).toStrictEqual({ success: true, payload: { user } });
    const request = onlyRequest(api);
    expect([request.method, request.url, request.headers.authorization]).toStrictEqual([
      "GET",
      "/api/v10/users/@me",
      `Bot ${botToken}`,
    ]);
  });

  it("reads a channel", async () => {
    const channel = { id: channelId, type: 0, name: "builds" };
    api.answer(200, channel);
    expect(await run({ command: "getChannel", channelId })).toStrictEqual({
      success: true,
      payload: { channel },
    });
    expect(onlyRequest(api).url).toBe(`/api/v10/channels/${channelId}`);
  });

  it("maps a 401 on the credential test to an upstream auth failure", async () => {
    api.answer(401, { code: 0, message: "401: Unauthorized" });
    const result = await run({ command: "test" });
    expect(result).toStrictEqual({
      success: false,
      error: "Discord API error (401)",
      diagnostics: { status: 401, code: 0 },
    });
    expect(classifyFailure(result)).toBe("upstream_auth");
    expectNoSecrets(result, botToken);
  });

  it("passes the test when /users/@me answers", async () => {
    api.answer(200, user);
    expect(await run({ command: "test" })).toStrictEqual({ success: true, payload: { reachable: true } });
  });

  it("answers every command from its default mock without calling out", async () => {
    for (const command of Object.keys(discordConnector.commands)) {
      const result = await api.run(
        discordConnector,
        { command, channelId, content: "x" },
        { botToken },
        { mockScenario: "default" },
      );
      expect(result.success, command).toBe(true);
    }
    expect(api.requests).toStrictEqual([]);
  });
});
