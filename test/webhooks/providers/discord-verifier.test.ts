import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { verifyKey } from "discord-interactions";
import { describe, expect, it } from "vitest";
import { discordVerifier } from "../../../src/webhooks/providers/discord-verifier.ts";
import {
  delivery,
  expectEvent,
  expectHandshake,
  expectJunkRejected,
  NOW_S,
  text,
} from "./webhook-test-kit.ts";

function keyPair(): { privateKey: KeyObject; publicHex: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const x = publicKey.export({ format: "jwk" }).x ?? "";
  return { privateKey, publicHex: Buffer.from(x, "base64url").toString("hex") };
}

const APP = keyPair();
const OLD_APP = keyPair();
const TIMESTAMP = String(NOW_S);

function headers(
  body: string,
  key: KeyObject = APP.privateKey,
  timestamp = TIMESTAMP,
): Record<string, string> {
  const signature = sign(null, Buffer.from(timestamp + body), key).toString("hex");
  return { "X-Signature-Ed25519": signature, "X-Signature-Timestamp": timestamp };
}

const verify = (body: string, head: Record<string, string>, secrets = [APP.publicHex]) =>
  discordVerifier.verify(delivery({ body, headers: head, contentType: "application/json" }), secrets, {});

const libraryAgrees = (body: string, head: Record<string, string>, publicHex = APP.publicHex) =>
  verifyKey(body, head["X-Signature-Ed25519"] ?? "", head["X-Signature-Timestamp"] ?? "", publicHex);

const interaction = (type: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: `11${type}0000000000000000`,
    application_id: "99",
    type,
    token: "tok",
    version: 1,
    ...extra,
  });

describe("discordVerifier", () => {
  it("answers a signed interaction PING with a PONG as application/json, as discord-interactions verifies", async () => {
    const body = interaction(1);
    const head = headers(body);
    expect(await libraryAgrees(body, head)).toBe(true);
    const handshake = expectHandshake(await verify(body, head));
    expect(handshake.reply.contentType).toBe("application/json");
    expect(JSON.parse(text(handshake.reply.body))).toEqual({ type: 1 });
  });

  it("accepts an application command, deferring it with response type 5", async () => {
    const body = interaction(2, { data: { name: "ping", type: 1 } });
    const event = expectEvent(await verify(body, headers(body)));
    expect(event.eventKey).toBe("discord.interaction.application_command");
    expect(event.providerEventId).toBe("1120000000000000000");
    expect(event.payload).toEqual(JSON.parse(body));
    expect(event.reply?.contentType).toBe("application/json");
    expect(JSON.parse(text(event.reply?.body ?? new Uint8Array()))).toEqual({ type: 5 });
  });

  it("defers a component with 6, a modal submit with 5 and answers autocomplete with no choices", async () => {
    const cases: [number, string, unknown][] = [
      [3, "discord.interaction.message_component", { type: 6 }],
      [4, "discord.interaction.application_command_autocomplete", { type: 8, data: { choices: [] } }],
      [5, "discord.interaction.modal_submit", { type: 5 }],
    ];
    for (const [type, key, reply] of cases) {
      const body = interaction(type);
      const event = expectEvent(await verify(body, headers(body)));
      expect(event.eventKey).toBe(key);
      expect(JSON.parse(text(event.reply?.body ?? new Uint8Array()))).toEqual(reply);
    }
  });

  it("keys an unknown interaction type by number, with no reply", async () => {
    const body = interaction(42);
    const event = expectEvent(await verify(body, headers(body)));
    expect(event.eventKey).toBe("discord.interaction.type_42");
    expect(event.reply).toBeUndefined();
  });

  it("answers a webhook-events PING (type 0) with an empty handshake", async () => {
    const body = JSON.stringify({ version: 1, application_id: "99", type: 0 });
    expect(expectHandshake(await verify(body, headers(body))).reply.body.length).toBe(0);
  });

  it("accepts a webhook event with an empty reply, deduped by the body digest", async () => {
    const body = JSON.stringify({
      version: 1,
      application_id: "99",
      type: 1,
      event: {
        type: "APPLICATION_AUTHORIZED",
        timestamp: "2026-11-23T12:00:00.000000",
        data: { user: { id: "1" } },
      },
    });
    const event = expectEvent(await verify(body, headers(body)));
    expect(event.eventKey).toBe("discord.event.application_authorized");
    expect(event.providerEventId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(event.reply?.body.length).toBe(0);
    const again = expectEvent(await verify(body, headers(body, APP.privateKey, String(NOW_S + 30))));
    expect(again.providerEventId).toBe(event.providerEventId);
  });

  it("rejects a signature from another key, as discord-interactions does", async () => {
    const body = interaction(2);
    const head = headers(body, OLD_APP.privateKey);
    expect(await libraryAgrees(body, head)).toBe(false);
    expect(await verify(body, head)).toEqual({ kind: "rejected", code: "SIGNATURE_MISMATCH", status: 401 });
  });

  it("rejects a delivery missing either header as signature missing", async () => {
    const body = interaction(2);
    const head = headers(body);
    for (const name of ["X-Signature-Ed25519", "X-Signature-Timestamp"]) {
      const { [name]: _dropped, ...rest } = head;
      expect(await verify(body, rest)).toEqual({ kind: "rejected", code: "SIGNATURE_MISSING", status: 401 });
    }
  });

  it("rejects a tampered body or timestamp, as discord-interactions does", async () => {
    const body = interaction(2);
    const head = headers(body);
    const tampered = body.replace('"tok"', '"tOk"');
    expect(await libraryAgrees(tampered, head)).toBe(false);
    expect(await verify(tampered, head)).toMatchObject({ code: "SIGNATURE_MISMATCH" });
    const moved = { ...head, "X-Signature-Timestamp": String(NOW_S + 1) };
    expect(await libraryAgrees(body, moved)).toBe(false);
    expect(await verify(body, moved)).toMatchObject({ code: "SIGNATURE_MISMATCH" });
  });

  it("accepts the previous public key during a rotation grace period", async () => {
    const body = interaction(2);
    const event = expectEvent(
      await verify(body, headers(body, OLD_APP.privateKey), [APP.publicHex, OLD_APP.publicHex]),
    );
    expect(event.eventKey).toBe("discord.interaction.application_command");
  });

  it("rejects signed bodies it cannot interpret as malformed", async () => {
    for (const body of [
      "nope",
      "{}",
      '{"type":"2"}',
      '{"type":2}',
      '{"type":1,"event":{}}',
      '{"type":2.5,"id":"1"}',
    ]) {
      expect(await verify(body, headers(body))).toEqual({
        kind: "rejected",
        code: "MALFORMED_BODY",
        status: 400,
      });
    }
  });

  it("rejects junk input without throwing, also under a key that is not a curve point", async () => {
    await expectJunkRejected(
      discordVerifier,
      ["X-Signature-Ed25519", "X-Signature-Timestamp"],
      [APP.publicHex],
    );
    const body = interaction(2);
    expect((await verify(body, headers(body), ["ff".repeat(32)])).kind).toBe("rejected");
  });

  it("needs a 64-hex Ed25519 public key as its secret", () => {
    expect(discordVerifier.checkSecret(APP.publicHex)).toBeUndefined();
    expect(discordVerifier.checkSecret(APP.publicHex.slice(2))).toMatch(/64 hexadecimal/);
    expect(discordVerifier.checkSecret(`${APP.publicHex.slice(2)}zz`)).toMatch(/64 hexadecimal/);
    expect(discordVerifier.checkSecret("")).toMatch(/64 hexadecimal/);
  });
});
