import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { gmailVerifier } from "../../../src/webhooks/providers/gmail-verifier.ts";
import type { VerifyContext } from "../../../src/webhooks/providers/index.ts";
import { delivery, expectEvent, expectJunkRejected, NOW_S } from "./webhook-test-kit.ts";

const SERVICE_ACCOUNT = "gmail-push@patchbay-prod.iam.gserviceaccount.com";
const OLD_SERVICE_ACCOUNT = "old-push@patchbay-prod.iam.gserviceaccount.com";
const ENDPOINT = "https://patchbay.example/webhooks/ep_gmail";
const URL = `${ENDPOINT}?channel=inbox`;

const NOTIFICATION = { emailAddress: "user@example.com", historyId: "9876543210" };
const BODY = JSON.stringify({
  message: {
    attributes: {},
    data: Buffer.from(JSON.stringify(NOTIFICATION)).toString("base64"),
    messageId: "2070443601311540",
    message_id: "2070443601311540",
    publishTime: "2026-11-23T11:59:59.000Z",
    publish_time: "2026-11-23T11:59:59.000Z",
  },
  subscription: "projects/patchbay-prod/subscriptions/gmail-push",
});

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;
let google: Keys;
let stranger: Keys;
let context: VerifyContext;

beforeAll(async () => {
  google = await generateKeyPair("RS256");
  stranger = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(google.publicKey)), kid: "google-1", alg: "RS256", use: "sig" };
  context = { googleKeys: createLocalJWKSet({ keys: [jwk] }) };
});

/** A Pub/Sub-style OIDC token; `claims` override the valid defaults, `undefined` drops one. */
async function mint(
  claims: { [K in keyof JWTPayload]: JWTPayload[K] | undefined } = {},
  key = google.privateKey,
): Promise<string> {
  const all: Record<string, unknown> = {
    iss: "https://accounts.google.com",
    aud: ENDPOINT,
    azp: "117513711437850049230",
    sub: "117513711437850049230",
    email: SERVICE_ACCOUNT,
    email_verified: true,
    iat: NOW_S - 10,
    exp: NOW_S + 3590,
    ...claims,
  };
  const defined = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as JWTPayload;
  return new SignJWT(defined).setProtectedHeader({ alg: "RS256", kid: "google-1", typ: "JWT" }).sign(key);
}

async function verify(
  token: string | undefined,
  options: { body?: string; secrets?: string[]; ctx?: VerifyContext } = {},
) {
  const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` };
  return gmailVerifier.verify(
    delivery({ body: options.body ?? BODY, headers, contentType: "application/json", url: URL }),
    options.secrets ?? [SERVICE_ACCOUNT],
    options.ctx ?? context,
  );
}

const TOKEN_INVALID = { kind: "rejected", code: "TOKEN_INVALID", status: 401 };

describe("gmailVerifier", () => {
  it("accepts a push with a valid Google OIDC token, keyed gmail.mailbox_changed by messageId", async () => {
    const event = expectEvent(await verify(await mint()));
    expect(event.eventKey).toBe("gmail.mailbox_changed");
    expect(event.providerEventId).toBe("2070443601311540");
    expect(event.payload).toEqual({
      emailAddress: "user@example.com",
      historyId: "9876543210",
      messageId: "2070443601311540",
      publishTime: "2026-11-23T11:59:59.000Z",
      attributes: {},
      subscription: "projects/patchbay-prod/subscriptions/gmail-push",
    });
  });

  it("accepts the issuer without scheme and a service-account email in another case", async () => {
    expect((await verify(await mint({ iss: "accounts.google.com" }))).kind).toBe("event");
    expect((await verify(await mint({ email: SERVICE_ACCOUNT.toUpperCase() }))).kind).toBe("event");
  });

  it("accepts a token for the previous service account during a rotation grace period", async () => {
    const token = await mint({ email: OLD_SERVICE_ACCOUNT });
    expect(await verify(token)).toEqual(TOKEN_INVALID);
    expect((await verify(token, { secrets: [SERVICE_ACCOUNT, OLD_SERVICE_ACCOUNT] })).kind).toBe("event");
  });

  it("rejects a token for another service account without naming either address", async () => {
    const outcome = await verify(await mint({ email: "intruder@evil.example" }));
    expect(outcome).toEqual(TOKEN_INVALID);
    expect(JSON.stringify(outcome)).not.toMatch(/@/);
  });

  it("rejects an unverified email, a wrong audience or issuer, and a token signed by another key", async () => {
    for (const token of [
      await mint({ email_verified: false }),
      await mint({ email_verified: undefined }),
      await mint({ email: undefined }),
      await mint({ aud: "https://elsewhere.example/webhooks/ep_gmail" }),
      await mint({ aud: URL }),
      await mint({ iss: "https://evil.example" }),
      await mint({}, stranger.privateKey),
    ]) {
      expect(await verify(token)).toEqual(TOKEN_INVALID);
    }
  });

  it("rejects an expired token beyond the 60 s clock tolerance and one without exp", async () => {
    expect((await verify(await mint({ exp: NOW_S - 30 }))).kind).toBe("event");
    expect(await verify(await mint({ iat: NOW_S - 3700, exp: NOW_S - 100 }))).toEqual(TOKEN_INVALID);
    expect(await verify(await mint({ exp: undefined }))).toEqual(TOKEN_INVALID);
  });

  it("rejects every token when no Google keys are configured", async () => {
    expect(await verify(await mint(), { ctx: {} })).toEqual(TOKEN_INVALID);
  });

  it("rejects a delivery without a bearer token as signature missing", async () => {
    expect(await verify(undefined)).toEqual({ kind: "rejected", code: "SIGNATURE_MISSING", status: 401 });
    const basic = await gmailVerifier.verify(
      delivery({ body: BODY, headers: { Authorization: "Basic dXNlcjpwYXNz" }, url: URL }),
      [SERVICE_ACCOUNT],
      context,
    );
    expect(basic).toMatchObject({ code: "SIGNATURE_MISSING" });
  });

  it("rejects an authenticated push whose body is not a Gmail notification as malformed", async () => {
    const token = await mint();
    const wrap = (message: Record<string, unknown>) => JSON.stringify({ message, subscription: "s" });
    for (const body of [
      "nope",
      wrap({ data: Buffer.from(JSON.stringify(NOTIFICATION)).toString("base64") }),
      wrap({ messageId: "1" }),
      wrap({ messageId: "1", data: Buffer.from("not json").toString("base64") }),
      wrap({ messageId: "1", data: Buffer.from('{"historyId":1}').toString("base64") }),
    ]) {
      expect(await verify(token, { body })).toEqual({
        kind: "rejected",
        code: "MALFORMED_BODY",
        status: 400,
      });
    }
  });

  it("takes snake_case message_id and a numeric historyId", async () => {
    const body = JSON.stringify({
      message: {
        message_id: "77",
        data: Buffer.from('{"emailAddress":"a@b.example","historyId":12}').toString("base64url"),
      },
    });
    const event = expectEvent(await verify(await mint(), { body }));
    expect(event.providerEventId).toBe("77");
    expect(event.payload).toMatchObject({ historyId: "12" });
  });

  it("rejects junk input without throwing", async () => {
    await expectJunkRejected(gmailVerifier, ["Authorization"], [SERVICE_ACCOUNT], context);
  });

  it("needs an email address as its secret and never echoes it", () => {
    expect(gmailVerifier.checkSecret(SERVICE_ACCOUNT)).toBeUndefined();
    const problem = gmailVerifier.checkSecret("not an address");
    expect(problem).toMatch(/service-account email/);
    expect(problem).not.toContain("not an address");
  });
});
