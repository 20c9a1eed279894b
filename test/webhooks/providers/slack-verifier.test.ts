import { createHmac } from "node:crypto";
import { isValidSlackRequest } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { slackVerifier } from "../../../src/webhooks/providers/slack-verifier.ts";
import {
  delivery,
  expectEvent,
  expectHandshake,
  expectJunkRejected,
  NOW,
  NOW_S,
  text,
} from "./webhook-test-kit.ts";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const OLD_SECRET = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const JSON_TYPE = "application/json";
const FORM_TYPE = "application/x-www-form-urlencoded";

/** Slack's documented example (api.slack.com/authentication/verifying-requests-from-slack). */
const DOC_TIMESTAMP = 1531420618;
const DOC_BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

const MESSAGE = JSON.stringify({
  token: "XXYYZZ",
  team_id: "T123ABC456",
  api_app_id: "A123ABC456",
  event: { type: "message", channel: "C1", user: "U1", text: "hello", ts: "1355517523.000005" },
  type: "event_callback",
  event_id: "Ev123ABC456",
  event_time: NOW_S,
});

function sign(body: string, timestamp: number, secret = SECRET): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

function headers(body: string, timestamp = NOW_S, secret = SECRET): Record<string, string> {
  return {
    "X-Slack-Signature": sign(body, timestamp, secret),
    "X-Slack-Request-Timestamp": String(timestamp),
  };
}

function boltAgrees(body: string, head: Record<string, string>, now = NOW): boolean {
  return isValidSlackRequest({
    signingSecret: SECRET,
    body,
    headers: {
      "x-slack-signature": head["X-Slack-Signature"] ?? "",
      "x-slack-request-timestamp": Number(head["X-Slack-Request-Timestamp"]),
    },
    nowMilliseconds: now.getTime(),
  });
}

const verify = (
  body: string,
  head: Record<string, string>,
  contentType = JSON_TYPE,
  secrets = [SECRET],
  now = NOW,
) => slackVerifier.verify(delivery({ body, headers: head, contentType, now }), secrets, {});

describe("slackVerifier", () => {
  it("verifies Slack's documented example signature, as Bolt does", async () => {
    expect(sign(DOC_BODY, DOC_TIMESTAMP)).toBe(DOC_SIGNATURE);
    const head = { "X-Slack-Signature": DOC_SIGNATURE, "X-Slack-Request-Timestamp": String(DOC_TIMESTAMP) };
    const at = new Date(DOC_TIMESTAMP * 1000);
    expect(boltAgrees(DOC_BODY, head, at)).toBe(true);
    const event = expectEvent(await verify(DOC_BODY, head, FORM_TYPE, [SECRET], at));
    expect(event.eventKey).toBe("slack.slash_command");
    expect(event.providerEventId).toBe("398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c");
    expect(event.payload).toMatchObject({ command: "/webhook-collect", text: "", user_name: "roadrunner" });
  });

  it("accepts an Events API message, keyed slack.message with its event_id, as Bolt does", async () => {
    const head = headers(MESSAGE);
    expect(boltAgrees(MESSAGE, head)).toBe(true);
    const event = expectEvent(await verify(MESSAGE, head));
    expect(event.eventKey).toBe("slack.message");
    expect(event.providerEventId).toBe("Ev123ABC456");
    expect(event.payload).toEqual(JSON.parse(MESSAGE));
  });

  it("adds the message subtype to the key", async () => {
    const body = JSON.stringify({
      type: "event_callback",
      event_id: "Ev2",
      event: { type: "message", subtype: "bot_message", bot_id: "B1" },
    });
    expect(expectEvent(await verify(body, headers(body))).eventKey).toBe("slack.message.bot_message");
  });

  it("gives a retry (X-Slack-Retry-Num) the same dedupe id as the first attempt", async () => {
    const first = expectEvent(await verify(MESSAGE, headers(MESSAGE)));
    const later = NOW_S + 60;
    const retry = expectEvent(
      await verify(
        MESSAGE,
        { ...headers(MESSAGE, later), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout" },
        JSON_TYPE,
        [SECRET],
        new Date(later * 1000),
      ),
    );
    expect(retry.providerEventId).toBe(first.providerEventId);
  });

  it("rejects a wrong signing secret, as Bolt does", async () => {
    const head = headers(MESSAGE, NOW_S, OLD_SECRET);
    expect(boltAgrees(MESSAGE, head)).toBe(false);
    expect(await verify(MESSAGE, head)).toEqual({
      kind: "rejected",
      code: "SIGNATURE_MISMATCH",
      status: 401,
    });
  });

  it("rejects a delivery missing either header as signature missing", async () => {
    const { "X-Slack-Signature": signature, "X-Slack-Request-Timestamp": timestamp } = headers(MESSAGE);
    for (const head of [
      {},
      { "X-Slack-Signature": signature ?? "" },
      { "X-Slack-Request-Timestamp": timestamp ?? "" },
    ]) {
      expect(await verify(MESSAGE, head)).toEqual({
        kind: "rejected",
        code: "SIGNATURE_MISSING",
        status: 401,
      });
    }
  });

  it("rejects a tampered body, as Bolt does", async () => {
    const head = headers(MESSAGE);
    const tampered = MESSAGE.replace("hello", "hellO");
    expect(boltAgrees(tampered, head)).toBe(false);
    expect((await verify(tampered, head)).kind).toBe("rejected");
    expect(await verify(tampered, head)).toMatchObject({ code: "SIGNATURE_MISMATCH" });
  });

  it("rejects a request signed 301 s ago as stale and accepts one from 299 s ago, as Bolt does", async () => {
    const stale = headers(MESSAGE, NOW_S - 301);
    expect(boltAgrees(MESSAGE, stale)).toBe(false);
    expect(await verify(MESSAGE, stale)).toEqual({ kind: "rejected", code: "TIMESTAMP_STALE", status: 401 });
    const fresh = headers(MESSAGE, NOW_S - 299);
    expect(boltAgrees(MESSAGE, fresh)).toBe(true);
    expect((await verify(MESSAGE, fresh)).kind).toBe("event");
  });

  it("also rejects a timestamp more than 5 minutes ahead (Bolt would let it through)", async () => {
    const ahead = headers(MESSAGE, NOW_S + 301);
    expect(boltAgrees(MESSAGE, ahead)).toBe(true);
    expect(await verify(MESSAGE, ahead)).toMatchObject({ code: "TIMESTAMP_STALE" });
  });

  it("accepts the previous signing secret during a rotation grace period", async () => {
    const head = headers(MESSAGE, NOW_S, OLD_SECRET);
    expect(expectEvent(await verify(MESSAGE, head, JSON_TYPE, [SECRET, OLD_SECRET])).providerEventId).toBe(
      "Ev123ABC456",
    );
  });

  it("answers url_verification with the challenge as text/plain", async () => {
    const body = JSON.stringify({
      token: "t",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    });
    const handshake = expectHandshake(await verify(body, headers(body)));
    expect(handshake.reply.contentType).toMatch(/^text\/plain/);
    expect(text(handshake.reply.body)).toBe("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
  });

  it("does not echo a url_verification challenge that is not signed", async () => {
    const body = JSON.stringify({ challenge: "<script>", type: "url_verification" });
    expect(await verify(body, headers(body, NOW_S, OLD_SECRET))).toMatchObject({
      code: "SIGNATURE_MISMATCH",
    });
  });

  it("answers an ssl_check with an empty handshake, with or without a signature", async () => {
    const body = "ssl_check=1&token=xyzz0WbapA4vBCDEFasx0q6G";
    const unsigned = expectHandshake(await verify(body, {}, FORM_TYPE));
    expect(unsigned.reply.body.length).toBe(0);
    expect(expectHandshake(await verify(body, headers(body), FORM_TYPE)).reply.body.length).toBe(0);
  });

  it("keys an interactivity payload slack.interaction.<type> with its trigger_id", async () => {
    const payload = {
      type: "block_actions",
      trigger_id: "13345224609.738474920.8088930838d88f008e0",
      actions: [],
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const event = expectEvent(await verify(body, headers(body), FORM_TYPE));
    expect(event.eventKey).toBe("slack.interaction.block_actions");
    expect(event.providerEventId).toBe(payload.trigger_id);
    expect(event.payload).toEqual(payload);
  });

  it("keys an envelope other than event_callback by its type, deduped by body digest without event_id", async () => {
    const body = JSON.stringify({
      token: "t",
      type: "app_rate_limited",
      team_id: "T1",
      minute_rate_limited: 1518467820,
    });
    const event = expectEvent(await verify(body, headers(body)));
    expect(event.eventKey).toBe("slack.app_rate_limited");
    expect(event.providerEventId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("rejects a signed event_callback without event_id or event type as malformed", async () => {
    for (const body of [
      JSON.stringify({ type: "event_callback", event: { type: "message" } }),
      JSON.stringify({ type: "event_callback", event_id: "Ev1", event: {} }),
      JSON.stringify({ type: "url_verification" }),
      "not json",
      "[1]",
    ]) {
      expect(await verify(body, headers(body))).toEqual({
        kind: "rejected",
        code: "MALFORMED_BODY",
        status: 400,
      });
    }
  });

  it("rejects a non-numeric timestamp or a signature without v0= as a mismatch", async () => {
    const head = headers(MESSAGE);
    expect(await verify(MESSAGE, { ...head, "X-Slack-Request-Timestamp": "1e9" })).toMatchObject({
      code: "SIGNATURE_MISMATCH",
    });
    const bare = (head["X-Slack-Signature"] ?? "").slice(3);
    expect(await verify(MESSAGE, { ...head, "X-Slack-Signature": bare })).toMatchObject({
      code: "SIGNATURE_MISMATCH",
    });
  });

  it("rejects junk input without throwing", async () => {
    await expectJunkRejected(slackVerifier, ["X-Slack-Signature", "X-Slack-Request-Timestamp"], [SECRET]);
    await expectJunkRejected(slackVerifier, ["X-Slack-Signature"], [SECRET]);
  });

  it("refuses an empty or whitespace-padded signing secret", () => {
    expect(slackVerifier.checkSecret(SECRET)).toBeUndefined();
    expect(slackVerifier.checkSecret("")).toMatch(/empty/);
    expect(slackVerifier.checkSecret(` ${SECRET}`)).toMatch(/whitespace/);
  });
});
