import { describe, expect, it } from "vitest";
import { slackConnector } from "../../../../src/connectors/builtin/providers/slack.ts";
import type { JsonObject } from "../../../../src/connectors/index.ts";
import { classifyFailure } from "../../../../src/execute/index.ts";
import { expectNoSecrets, jsonOf, onlyRequest, useFakeProvider } from "./fake-provider.ts";

const botToken = "xoxb-1234567890-0987654321-SecretSlackToken";

const api = useFakeProvider();

const run = (config: JsonObject, connection: JsonObject = { baseUrl: api.baseUrl, botToken }) =>
  api.run(slackConnector, config, connection);

describe("slack: postMessage", () => {
  it("posts JSON to chat.postMessage with the bot token as a bearer token", async () => {
    const message = { type: "message", text: "Deploy done", user: "U0BOT", ts: "1700000000.000100" };
    api.answer(200, { ok: true, channel: "C0123456789", ts: "1700000000.000100", message });
    const result = await run({
      command: "postMessage",
      channel: "C0123456789",
      text: "Deploy done",
      threadTs: "1699999999.000200",
    });
    expect(result).toStrictEqual({
      success: true,
      payload: { channel: "C0123456789", ts: "1700000000.000100", message },
      variables: { messageTs: "1700000000.000100" },
    });
    const request = onlyRequest(api);
    expect([request.method, request.url]).toStrictEqual(["POST", "/chat.postMessage"]);
    expect(request.headers.authorization).toBe(`Bearer ${botToken}`);
    expect(request.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(jsonOf(request)).toStrictEqual({
      channel: "C0123456789",
      text: "Deploy done",
      unfurl_links: false,
      thread_ts: "1699999999.000200",
    });
  });

  it("turns Slack's in-band channel_not_found into a command failure with the code in diagnostics", async () => {
    api.answer(200, { ok: false, error: "channel_not_found" });
    const result = await run({ command: "postMessage", channel: "C404", text: "Hello" });
    expect(result).toStrictEqual({
      success: false,
      error: "Slack API error (400)",
      diagnostics: { status: 400, httpStatus: 200, code: "channel_not_found" },
    });
    expect(classifyFailure(result)).toBe("command_failed");
  });

  it("classifies an in-band invalid_auth as an upstream auth failure and never echoes the token", async () => {
    api.answer(200, { ok: false, error: "invalid_auth" });
    const result = await run({ command: "postMessage", channel: "C1", text: "Hello" });
    expect(result).toStrictEqual({
      success: false,
      error: "Slack API error (401)",
      diagnostics: { status: 401, httpStatus: 200, code: "invalid_auth" },
    });
    expect(classifyFailure(result)).toBe("upstream_auth");
    expectNoSecrets(result, botToken);
  });

  it("classifies missing_scope as an upstream auth failure (403)", async () => {
    api.answer(200, { ok: false, error: "missing_scope", needed: "chat:write", provided: "channels:read" });
    const result = await run({ command: "postMessage", channel: "C1", text: "Hello" });
    expect(result.diagnostics).toStrictEqual({ status: 403, httpStatus: 200, code: "missing_scope" });
    expect(classifyFailure(result)).toBe("upstream_auth");
  });

  it("maps HTTP 429 with Retry-After to a rate-limited failure", async () => {
    api.answer(429, { ok: false, error: "ratelimited" }, { "retry-after": "30" });
    const result = await run({ command: "postMessage", channel: "C1", text: "Hello" });
    expect(result).toStrictEqual({
      success: false,
      error: "Slack rate limit reached (429)",
      diagnostics: { status: 429, code: "ratelimited", retryAfterSeconds: 30 },
    });
    expect(classifyFailure(result)).toBe("upstream_rate_limited");
  });

  it("keeps an error that is not a machine code out of the diagnostics", async () => {
    api.answer(200, { ok: false, error: "user text: call +15551234567" });
    const result = await run({ command: "postMessage", channel: "C1", text: "Hello" });
    expect(result.diagnostics).toStrictEqual({ status: 400, httpStatus: 200 });
    expectNoSecrets(result, "+15551234567");
  });
});

describe("slack: listConversations", () => {
  it("GETs conversations.list with types, limit and cursor and returns the next cursor", async () => {
    const channels = [
      { id: "C1", name: "general" },
      { id: "C2", name: "random" },
    ];
    api.answer(200, { ok: true, channels, response_metadata: { next_cursor: "dGVhbTpDMDYxRkE1UEI=" } });
    const result = await run({ command: "listConversations", limit: 2, cursor: "abc" });
    expect(result).toStrictEqual({
      success: true,
      payload: { channels, nextCursor: "dGVhbTpDMDYxRkE1UEI=" },
      variables: { channelCount: 2 },
    });
    const request = onlyRequest(api);
    expect(request.method).toBe("GET");
    expect(request.headers.authorization).toBe(`Bearer ${botToken}`);
    const url = new URL(request.url, api.baseUrl);
    expect(url.pathname).toBe("/conversations.list");
    expect(Object.fromEntries(url.searchParams)).toStrictEqual({
      types: "public_channel",
      exclude_archived: "true",
      limit: "2",
      cursor: "abc",
    });
  });

  it("ends paging on an empty next_cursor", async () => {
    api.answer(200, { ok: true, channels: [], response_metadata: { next_cursor: "" } });
    expect((await run({ command: "listConversations" })).payload).toStrictEqual({
      channels: [],
      nextCursor: null,
    });
  });

  it("refuses a limit over 1000 before calling out", async () => {
    expect(await run({ command: "listConversations", limit: 1001 })).toStrictEqual({
      success: false,
      error: "limit must be a whole number from 1 to 1000",
    });
    expect(api.requests).toStrictEqual([]);
  });

  it("maps a 503 to an unavailable upstream", async () => {
    api.answer(503, "Service Unavailable");
    expect(classifyFailure(await run({ command: "listConversations" }))).toBe("upstream_unavailable");
  });
});

describe("slack: test", () => {
  it("checks the token with auth.test", async () => {
    api.answer(200, { ok: true, team: "Acme", user: "patchbay", bot_id: "B1" });
    expect(await run({ command: "test" })).toStrictEqual({ success: true, payload: { reachable: true } });
    const request = onlyRequest(api);
    expect([request.method, request.url, request.headers.authorization]).toStrictEqual([
      "GET",
      "/auth.test",
      `Bearer ${botToken}`,
    ]);
  });

  it("fails the test on token_revoked", async () => {
    api.answer(200, { ok: false, error: "token_revoked" });
    const result = await run({ command: "test" });
    expect(classifyFailure(result)).toBe("upstream_auth");
    expectNoSecrets(result, botToken);
  });

  it("answers every command from its default mock without calling out", async () => {
    for (const command of Object.keys(slackConnector.commands)) {
      const result = await api.run(
        slackConnector,
        { command, channel: "C1", text: "x" },
        { botToken },
        { mockScenario: "default" },
      );
      expect(result.success, command).toBe(true);
    }
    expect(api.requests).toStrictEqual([]);
  });
});
