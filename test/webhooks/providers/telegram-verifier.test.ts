import { describe, expect, it } from "vitest";
import { generateTelegramSecretToken, verifierFor } from "../../../src/webhooks/providers/index.ts";
import { telegramVerifier } from "../../../src/webhooks/providers/telegram-verifier.ts";
import { delivery, expectEvent, expectJunkRejected } from "./webhook-test-kit.ts";

const TOKEN = "tok_current-AZaz09";
const OLD_TOKEN = "tok_previous";
const HEADER = "X-Telegram-Bot-Api-Secret-Token";
const MESSAGE = JSON.stringify({
  update_id: 912345678,
  message: { message_id: 7, date: 1700000000, chat: { id: 42, type: "private" }, text: "hi" },
});

const verify = (body: string, headers: Record<string, string>, secrets: readonly string[] = [TOKEN]) =>
  telegramVerifier.verify(delivery({ body, headers, contentType: "application/json" }), secrets, {});

describe("telegramVerifier", () => {
  it("accepts an update carrying the configured secret token and keys it by its field", async () => {
    const event = expectEvent(await verify(MESSAGE, { [HEADER]: TOKEN }));
    expect(event.providerEventId).toBe("912345678");
    expect(event.eventKey).toBe("telegram.message");
    expect(event.payload).toEqual(JSON.parse(MESSAGE));
    expect(event.reply).toBeUndefined();
  });

  it("keys a callback query as telegram.callback_query", async () => {
    const body = JSON.stringify({ update_id: 5, callback_query: { id: "cb1", data: "yes" } });
    expect(expectEvent(await verify(body, { [HEADER]: TOKEN })).eventKey).toBe("telegram.callback_query");
  });

  it("does not authenticate the body: Telegram signs nothing, only the token is checked", async () => {
    const other = JSON.stringify({ update_id: 1, message: { text: "anything" } });
    expect(expectEvent(await verify(other, { [HEADER]: TOKEN })).providerEventId).toBe("1");
  });

  it("reads the header case-insensitively", async () => {
    expect((await verify(MESSAGE, { "x-telegram-bot-api-secret-token": TOKEN })).kind).toBe("event");
  });

  it("rejects a wrong token as a signature mismatch", async () => {
    expect(await verify(MESSAGE, { [HEADER]: "tok_wrong" })).toEqual({
      kind: "rejected",
      code: "SIGNATURE_MISMATCH",
      status: 401,
    });
    expect((await verify(MESSAGE, { [HEADER]: `${TOKEN}x` })).kind).toBe("rejected");
  });

  it("rejects a delivery without the header as signature missing", async () => {
    expect(await verify(MESSAGE, {})).toEqual({ kind: "rejected", code: "SIGNATURE_MISSING", status: 401 });
  });

  it("accepts the previous token during a rotation grace period", async () => {
    expect(expectEvent(await verify(MESSAGE, { [HEADER]: OLD_TOKEN }, [TOKEN, OLD_TOKEN])).eventKey).toBe(
      "telegram.message",
    );
  });

  it("never accepts an unusable configured secret, even when the header echoes it", async () => {
    expect((await verify(MESSAGE, { [HEADER]: "" }, [""])).kind).toBe("rejected");
    expect((await verify(MESSAGE, { [HEADER]: "bad token" }, ["bad token"])).kind).toBe("rejected");
  });

  it("rejects an authenticated body that is not an update as malformed", async () => {
    for (const body of ["not json", "[]", '{"message":{}}', '{"update_id":"7"}']) {
      expect(await verify(body, { [HEADER]: TOKEN })).toEqual({
        kind: "rejected",
        code: "MALFORMED_BODY",
        status: 400,
      });
    }
  });

  it("keys an update with no type field as telegram.update", async () => {
    expect(expectEvent(await verify('{"update_id":1}', { [HEADER]: TOKEN })).eventKey).toBe(
      "telegram.update",
    );
  });

  it("rejects junk input without throwing", async () => {
    await expectJunkRejected(telegramVerifier, [HEADER], [TOKEN]);
  });

  it("accepts only 1-256 characters of A-Z a-z 0-9 _ - as a secret", () => {
    expect(telegramVerifier.checkSecret(TOKEN)).toBeUndefined();
    expect(telegramVerifier.checkSecret("a".repeat(256))).toBeUndefined();
    expect(telegramVerifier.checkSecret("")).toMatch(/1-256/);
    expect(telegramVerifier.checkSecret("a".repeat(257))).toMatch(/1-256/);
    expect(telegramVerifier.checkSecret("has space")).toMatch(/A-Z/);
    expect(telegramVerifier.checkSecret("dot.ted")).toMatch(/A-Z/);
  });

  it("is the table's telegram verifier", () => {
    expect(verifierFor("telegram")).toBe(telegramVerifier);
  });
});

describe("generateTelegramSecretToken", () => {
  it("makes 48 characters Telegram accepts, different each time", () => {
    const a = generateTelegramSecretToken();
    const b = generateTelegramSecretToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{48}$/);
    expect(telegramVerifier.checkSecret(a)).toBeUndefined();
    expect(a).not.toBe(b);
  });

  it("draws its randomness from the given source", () => {
    expect(generateTelegramSecretToken((size) => new Uint8Array(size).fill(0xff))).toBe("_".repeat(48));
  });
});
