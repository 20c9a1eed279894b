import { ConnectError } from "@connectrpc/connect";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  checkSigningSecret,
  generateSigningSecret,
  signStandardWebhook,
} from "../../../src/webhooks/standard-webhooks/index.ts";

const SECRET = "whsec_TWZLUTlyOEdLWXFyVHdqVVBEOElMUFpJbzJMYUxhU3c=";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const AT = new Date(1614265330 * 1000);
const PAYLOAD = '{"test": 2432232314}';

afterEach(() => {
  vi.useRealTimers();
});

/** The standardwebhooks library's verdict at `at` (it reads Date.now()). */
function libraryVerifies(
  secret: string,
  payload: string,
  headers: Record<string, string>,
  at: Date,
): boolean {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(at);
  try {
    new Webhook(secret).verify(payload, headers);
    return true;
  } catch {
    return false;
  } finally {
    vi.useRealTimers();
  }
}

describe("signStandardWebhook", () => {
  it("reproduces the reference's vector", () => {
    expect(signStandardWebhook(SECRET, ID, AT, PAYLOAD)).toEqual({
      "webhook-id": ID,
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,ELhqG0Ku1gwOc1f4jyKdp3SFGFLAOdJ9bvpWLciCakI=",
    });
  });

  it("makes signatures the standardwebhooks library verifies, and it refuses a tampered body", () => {
    const body = JSON.stringify({ type: "connection.created", data: { id: "c_1" } });
    const headers = { ...signStandardWebhook(SECRET, ID, AT, body) };
    expect(libraryVerifies(SECRET, body, headers, AT)).toBe(true);
    expect(libraryVerifies(SECRET, body.replace("c_1", "c_2"), headers, AT)).toBe(false);
    expect(libraryVerifies(generateSigningSecret(), body, headers, AT)).toBe(false);
  });

  it("signs bytes and the same string alike, with whole seconds", () => {
    const at = new Date(1614265330_999);
    expect(signStandardWebhook(SECRET, ID, at, Buffer.from(PAYLOAD))).toEqual(
      signStandardWebhook(SECRET, ID, AT, PAYLOAD),
    );
  });

  it("refuses an unusable secret or a message id containing a dot", () => {
    expect(() => signStandardWebhook("whsec_short", ID, AT, PAYLOAD)).toThrow(ConnectError);
    expect(() => signStandardWebhook("secret", ID, AT, PAYLOAD)).toThrow(/whsec_/);
    expect(() => signStandardWebhook(SECRET, "msg.1", AT, PAYLOAD)).toThrow(/'\.'/);
    expect(() => signStandardWebhook(SECRET, "", AT, PAYLOAD)).toThrow(ConnectError);
    expect(() => signStandardWebhook(SECRET, ID, new Date(Number.NaN), PAYLOAD)).toThrow(/timestamp/);
  });
});

describe("generateSigningSecret", () => {
  it("makes whsec_ + base64 of 32 random bytes, different each time and usable by the library", () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    expect(checkSigningSecret(secret)).toBeUndefined();
    expect(generateSigningSecret()).not.toBe(secret);
    const headers = { ...signStandardWebhook(secret, ID, AT, PAYLOAD) };
    expect(libraryVerifies(secret, PAYLOAD, headers, AT)).toBe(true);
  });

  it("draws its randomness from the given source", () => {
    expect(generateSigningSecret((size) => new Uint8Array(size))).toBe(`whsec_${"A".repeat(43)}=`);
  });
});

describe("checkSigningSecret", () => {
  const of = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString("base64")}`;

  it("accepts whsec_ + base64 of 24 to 64 bytes", () => {
    expect(checkSigningSecret(of(24))).toBeUndefined();
    expect(checkSigningSecret(of(64))).toBeUndefined();
    expect(checkSigningSecret(SECRET)).toBeUndefined();
  });

  it("refuses fewer than 24 or more than 64 bytes", () => {
    expect(checkSigningSecret(of(23))).toMatch(/24-64 bytes/);
    expect(checkSigningSecret(of(65))).toMatch(/24-64 bytes/);
  });

  it("refuses a missing prefix or a body that is not padded base64", () => {
    for (const secret of [
      SECRET.slice(6),
      "whsk_AAAA",
      "whsec_",
      "whsec_not base64!",
      "whsec_AAAAA",
      `${SECRET} `,
    ]) {
      expect(checkSigningSecret(secret)).toMatch(/whsec_/);
    }
  });
});
