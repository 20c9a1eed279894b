import { describe, expect, it } from "vitest";
import { twilioConnector } from "../../../../src/connectors/builtin/providers/twilio.ts";
import type { JsonObject } from "../../../../src/connectors/index.ts";
import { classifyFailure } from "../../../../src/execute/index.ts";
import { expectNoSecrets, formOf, onlyRequest, useFakeProvider } from "./fake-provider.ts";

const accountSid = "AC0123456789abcdef0123456789abcdef";
const authToken = "secret-twilio-auth-token-0123456789";
const messageSid = "SM0123456789abcdef0123456789abcdef";
const basic = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`;

const api = useFakeProvider();

const connection = (): JsonObject => ({ baseUrl: api.baseUrl, accountSid, authToken });
const run = (config: JsonObject, conn: JsonObject = connection()) => api.run(twilioConnector, config, conn);

const created = {
  sid: messageSid,
  account_sid: accountSid,
  to: "+15551234567",
  from: "+15557654321",
  body: "Your code is 123456",
  status: "queued",
};

describe("twilio: sendSms", () => {
  it("posts a form to /2010-04-01/Accounts/{sid}/Messages.json with HTTP Basic auth", async () => {
    api.answer(201, created);
    const result = await run({
      command: "sendSms",
      to: "+15551234567",
      from: "+15557654321",
      body: "Your code is 123456",
    });
    expect(result).toStrictEqual({ success: true, payload: { message: created }, variables: { messageSid } });
    const request = onlyRequest(api);
    expect([request.method, request.url]).toStrictEqual([
      "POST",
      `/2010-04-01/Accounts/${accountSid}/Messages.json`,
    ]);
    expect(request.headers.authorization).toBe(basic);
    expect(request.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(formOf(request)).toStrictEqual({
      To: "+15551234567",
      Body: "Your code is 123456",
      From: "+15557654321",
    });
  });

  it("sends through a Messaging Service with a status callback", async () => {
    api.answer(201, created);
    const service = "MG0123456789abcdef0123456789abcdef";
    await run({
      command: "sendSms",
      to: "+15551234567",
      messagingServiceSid: service,
      body: "hi",
      statusCallback: "https://patchbay.example/status",
    });
    expect(formOf(onlyRequest(api))).toStrictEqual({
      To: "+15551234567",
      Body: "hi",
      MessagingServiceSid: service,
      StatusCallback: "https://patchbay.example/status",
    });
  });

  it("maps a refused auth token (401, code 20003) to an upstream auth failure without secrets", async () => {
    api.answer(401, {
      code: 20003,
      message: "Authenticate",
      more_info: "https://www.twilio.com/docs/errors/20003",
      status: 401,
    });
    const result = await run({ command: "sendSms", to: "+15551234567", from: "+15557654321", body: "hi" });
    expect(result).toStrictEqual({
      success: false,
      error: "Twilio API error (401)",
      diagnostics: { status: 401, code: 20003 },
    });
    expect(classifyFailure(result)).toBe("upstream_auth");
    expectNoSecrets(result, authToken, basic.slice(6));
  });

  it("keeps the phone number in Twilio's message out of a 400 failure", async () => {
    api.answer(400, {
      code: 21211,
      message: "The 'To' number +15551234567 is not a valid phone number.",
      status: 400,
    });
    const result = await run({ command: "sendSms", to: "+15551234567", from: "+15557654321", body: "hi" });
    expect(result).toStrictEqual({
      success: false,
      error: "Twilio API error (400)",
      diagnostics: { status: 400, code: 21211 },
    });
    expect(classifyFailure(result)).toBe("command_failed");
    expectNoSecrets(result, "+15551234567");
  });

  it("maps a 429 to a rate-limited failure", async () => {
    api.answer(429, { code: 20429, message: "Too Many Requests", status: 429 });
    const result = await run({ command: "sendSms", to: "+15551234567", from: "+15557654321", body: "hi" });
    expect(classifyFailure(result)).toBe("upstream_rate_limited");
    expect(result.error).toBe("Twilio rate limit reached (429)");
  });

  it("needs exactly one sender and a well-formed account sid before calling out", async () => {
    expect(await run({ command: "sendSms", to: "+15551234567", body: "hi" })).toStrictEqual({
      success: false,
      error: "give exactly one of from and messagingServiceSid",
    });
    const bad = { ...connection(), accountSid: "AC../../x" };
    expect(await run({ command: "sendSms", to: "+1", from: "+1", body: "hi" }, bad)).toMatchObject({
      success: false,
      error: "accountSid must be a Twilio account sid (AC followed by 32 hex digits)",
    });
    expect(api.requests).toStrictEqual([]);
  });
});

describe("twilio: getMessage and test", () => {
  it("reads a message's status", async () => {
    const message = { ...created, status: "delivered" };
    api.answer(200, message);
    expect(await run({ command: "getMessage", messageSid })).toStrictEqual({
      success: true,
      payload: { message },
    });
    const request = onlyRequest(api);
    expect([request.method, request.url, request.headers.authorization]).toStrictEqual([
      "GET",
      `/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}.json`,
      basic,
    ]);
  });

  it("maps a 404 for an unknown message to a command failure", async () => {
    api.answer(404, { code: 20404, message: "The requested resource was not found", status: 404 });
    const result = await run({ command: "getMessage", messageSid });
    expect(result.diagnostics).toStrictEqual({ status: 404, code: 20404 });
    expect(classifyFailure(result)).toBe("command_failed");
  });

  it("refuses a message sid that is not one", async () => {
    expect(await run({ command: "getMessage", messageSid: "SM../../Calls" })).toMatchObject({
      success: false,
    });
    expect(api.requests).toStrictEqual([]);
  });

  it("tests the credentials by reading the account", async () => {
    api.answer(200, { sid: accountSid, status: "active" });
    expect(await run({ command: "test" })).toStrictEqual({ success: true, payload: { reachable: true } });
    expect(onlyRequest(api).url).toBe(`/2010-04-01/Accounts/${accountSid}.json`);
  });

  it("answers every command from its default mock without calling out", async () => {
    for (const command of Object.keys(twilioConnector.commands)) {
      const result = await api.run(
        twilioConnector,
        { command, to: "+15551234567", from: "+15557654321", body: "x", messageSid },
        { accountSid, authToken },
        { mockScenario: "default" },
      );
      expect(result.success, command).toBe(true);
    }
    expect(api.requests).toStrictEqual([]);
  });
});
