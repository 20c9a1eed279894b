import { describe, expect, it } from "vitest";
import { gmailConnector } from "../../../../src/connectors/builtin/providers/gmail.ts";
import type { JsonObject } from "../../../../src/connectors/index.ts";
import { classifyFailure } from "../../../../src/execute/index.ts";
import { expectNoSecrets, jsonOf, onlyRequest, useFakeProvider } from "./fake-provider.ts";

const accessToken = "ya29.secret-google-access-token";

const api = useFakeProvider();

// What the execute capability hands an OAuth connector: the instance config plus the fresh token.
const run = (config: JsonObject) =>
  api.run(gmailConnector, config, { baseUrl: api.baseUrl, accessToken, tokenType: "bearer" });

const googleError = (code: number, status: string, reason: string, message: string) => ({
  error: { code, message, status, errors: [{ reason, domain: "global", message }] },
});

/** The RFC 2822 text inside a messages.send body. */
function rawOf(body: unknown): string {
  return Buffer.from((body as { raw: string }).raw, "base64url").toString("utf8");
}

describe("gmail: listMessages", () => {
  it("GETs users/me/messages with the query, repeated labelIds and a bearer token", async () => {
    const messages = [{ id: "18c2f0a1b2c3d4e5", threadId: "18c2f0a1b2c3d4e5" }];
    api.answer(200, { messages, nextPageToken: "09876", resultSizeEstimate: 12 });
    const result = await run({
      command: "listMessages",
      query: "from:alice is:unread",
      labelIds: "INBOX, UNREAD",
      maxResults: 1,
    });
    expect(result).toStrictEqual({
      success: true,
      payload: { messages, nextPageToken: "09876", resultSizeEstimate: 12 },
      variables: { messageCount: 1 },
    });
    const request = onlyRequest(api);
    expect(request.method).toBe("GET");
    expect(request.headers.authorization).toBe(`Bearer ${accessToken}`);
    const url = new URL(request.url, api.baseUrl);
    expect(url.pathname).toBe("/gmail/v1/users/me/messages");
    expect([...url.searchParams]).toStrictEqual([
      ["q", "from:alice is:unread"],
      ["labelIds", "INBOX"],
      ["labelIds", "UNREAD"],
      ["maxResults", "1"],
    ]);
  });

  it("reads an empty result, which has no messages key", async () => {
    api.answer(200, { resultSizeEstimate: 0 });
    expect((await run({ command: "listMessages" })).payload).toStrictEqual({
      messages: [],
      nextPageToken: null,
      resultSizeEstimate: 0,
    });
  });

  it("maps an expired token (401) to an upstream auth failure with Google's reason", async () => {
    api.answer(
      401,
      googleError(401, "UNAUTHENTICATED", "authError", "Invalid Credentials for alice@example.com"),
    );
    const result = await run({ command: "listMessages" });
    expect(result).toStrictEqual({
      success: false,
      error: "Gmail API error (401)",
      diagnostics: { status: 401, code: "authError" },
    });
    expect(classifyFailure(result)).toBe("upstream_auth");
    expectNoSecrets(result, accessToken, "alice@example.com");
  });

  it("classifies a 403 userRateLimitExceeded as rate limited, not as auth", async () => {
    api.answer(
      403,
      googleError(403, "PERMISSION_DENIED", "userRateLimitExceeded", "User-rate limit exceeded"),
    );
    const result = await run({ command: "listMessages" });
    expect(result).toStrictEqual({
      success: false,
      error: "Gmail rate limit reached (429)",
      diagnostics: { status: 429, httpStatus: 403, code: "userRateLimitExceeded" },
    });
    expect(classifyFailure(result)).toBe("upstream_rate_limited");
  });

  it("keeps a 403 for a missing scope as an auth failure", async () => {
    api.answer(
      403,
      googleError(403, "PERMISSION_DENIED", "insufficientPermissions", "Insufficient Permission"),
    );
    expect(classifyFailure(await run({ command: "listMessages" }))).toBe("upstream_auth");
  });

  it("refuses maxResults over 500 before calling out", async () => {
    expect((await run({ command: "listMessages", maxResults: 501 })).error).toBe(
      "maxResults must be a whole number from 1 to 500",
    );
    expect(api.requests).toStrictEqual([]);
  });
});

describe("gmail: getMessage", () => {
  it("GETs one message in the asked format", async () => {
    const message = { id: "18c2f0a1b2c3d4e5", threadId: "18c2f0a1b2c3d4e5", snippet: "Hi" };
    api.answer(200, message);
    expect(await run({ command: "getMessage", messageId: "18c2f0a1b2c3d4e5", format: "full" })).toStrictEqual(
      {
        success: true,
        payload: { message },
      },
    );
    expect(onlyRequest(api).url).toBe("/gmail/v1/users/me/messages/18c2f0a1b2c3d4e5?format=full");
  });

  it("maps a 404 to a command failure and refuses an id that could rewrite the path", async () => {
    api.answer(404, googleError(404, "NOT_FOUND", "notFound", "Requested entity was not found."));
    const result = await run({ command: "getMessage", messageId: "abc" });
    expect(result.diagnostics).toStrictEqual({ status: 404, code: "notFound" });
    expect(classifyFailure(result)).toBe("command_failed");
    expect((await run({ command: "getMessage", messageId: "../../drafts" })).error).toBe(
      "messageId must be a Gmail message id",
    );
    expect(api.requests).toHaveLength(1);
  });
});

describe("gmail: sendMessage", () => {
  it("posts a base64url RFC 2822 message as raw and returns the sent ids", async () => {
    api.answer(200, { id: "18c2f0a1b2c3d4e6", threadId: "18c2f0a1b2c3d4e5", labelIds: ["SENT"] });
    const result = await run({
      command: "sendMessage",
      to: "bob@example.com",
      cc: "carol@example.com",
      subject: "Report",
      text: "Attached below.",
      threadId: "18c2f0a1b2c3d4e5",
    });
    expect(result).toStrictEqual({
      success: true,
      payload: { id: "18c2f0a1b2c3d4e6", threadId: "18c2f0a1b2c3d4e5", labelIds: ["SENT"] },
      variables: { messageId: "18c2f0a1b2c3d4e6" },
    });
    const request = onlyRequest(api);
    expect([request.method, request.url]).toStrictEqual(["POST", "/gmail/v1/users/me/messages/send"]);
    expect(request.headers["content-type"]).toBe("application/json");
    const body = jsonOf(request) as { raw: string; threadId: string };
    expect(body.threadId).toBe("18c2f0a1b2c3d4e5");
    expect(body.raw).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(rawOf(body)).toBe(
      [
        "To: bob@example.com",
        "Cc: carol@example.com",
        "Subject: Report",
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="UTF-8"',
        "Content-Transfer-Encoding: base64",
        "",
        Buffer.from("Attached below.").toString("base64"),
      ].join("\r\n"),
    );
  });

  it("refuses a subject with a line break (header injection) before calling out", async () => {
    const result = await run({
      command: "sendMessage",
      to: "bob@example.com",
      subject: "Hi\r\nBcc: eve@example.com",
      text: "x",
    });
    expect(result).toStrictEqual({ success: false, error: "subject must be one line" });
    expect(api.requests).toStrictEqual([]);
  });

  it("maps a 400 from Google without the recipient in the failure", async () => {
    api.answer(
      400,
      googleError(400, "INVALID_ARGUMENT", "invalidArgument", "Invalid To header: bob@example"),
    );
    const result = await run({ command: "sendMessage", to: "bob@example", subject: "s", text: "t" });
    expect(result).toStrictEqual({
      success: false,
      error: "Gmail API error (400)",
      diagnostics: { status: 400, code: "invalidArgument" },
    });
    expectNoSecrets(result, "bob@example", accessToken);
  });

  it("answers every command from its default mock without calling out", async () => {
    for (const command of Object.keys(gmailConnector.commands)) {
      const result = await api.run(
        gmailConnector,
        { command, messageId: "abc", to: "a@example.com", subject: "s", text: "t" },
        { accessToken },
        { mockScenario: "default" },
      );
      expect(result.success, command).toBe(true);
    }
    expect(api.requests).toStrictEqual([]);
  });
});
