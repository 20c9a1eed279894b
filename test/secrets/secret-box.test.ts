import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox, keyIdOf, SecretBoxError } from "../../src/secrets/secret-box.ts";

const k1 = Buffer.alloc(32, 1);
const k2 = Buffer.alloc(32, 2);
const context = "connection:42:credentials";

/** Parts of a sealed value: `pb1.<keyId>.<base64url(iv|ct|tag)>`. */
function partsOf(sealed: string): { version: string; keyId: string; body: Buffer } {
  const [version = "", keyId = "", body = ""] = sealed.split(".");
  return { version, keyId, body: Buffer.from(body, "base64url") };
}

function withBody(sealed: string, body: Uint8Array): string {
  const { version, keyId } = partsOf(sealed);
  return `${version}.${keyId}.${Buffer.from(body).toString("base64url")}`;
}

/** Flips one bit of byte `index` (negative counts from the end) of the sealed body. */
function flipByte(sealed: string, index: number): string {
  const body = Buffer.from(partsOf(sealed).body);
  const at = index < 0 ? body.length + index : index;
  body[at] = (body[at] ?? 0) ^ 0x01;
  return withBody(sealed, body);
}

function expectOpenFails(open: () => unknown, message: string | RegExp): void {
  expect(open).toThrow(SecretBoxError);
  expect(open).toThrow(message);
}

describe("createSecretBox", () => {
  const box = createSecretBox([k1]);

  it("opens what it sealed, as text", () => {
    const sealed = box.seal("sk_live_abc123 ünïcødé", context);
    expect(box.openText(sealed, context)).toBe("sk_live_abc123 ünïcødé");
  });

  it("opens what it sealed, as bytes", () => {
    const bytes = randomBytes(100);
    const sealed = box.seal(bytes, context);
    expect(box.open(sealed, context).equals(bytes)).toBe(true);
  });

  it("seals and opens an empty value", () => {
    expect(box.openText(box.seal("", context), context)).toBe("");
  });

  it("does not contain the plaintext in the sealed value", () => {
    const sealed = box.seal("sk_live_abc123", context);
    expect(sealed).not.toContain("sk_live_abc123");
    expect(sealed).not.toContain(Buffer.from("sk_live_abc123").toString("base64url"));
  });

  it("labels a sealed value with the format version and the sealing key's id", () => {
    const { version, keyId } = partsOf(box.seal("x", context));
    expect(version).toBe("pb1");
    expect(keyId).toBe(keyIdOf(k1));
    expect(box.primaryKeyId).toBe(keyIdOf(k1));
  });

  it("seals the same plaintext differently each time (random IV)", () => {
    const a = box.seal("same", context);
    const b = box.seal("same", context);
    expect(a).not.toBe(b);
    expect(partsOf(a).body.subarray(0, 12).equals(partsOf(b).body.subarray(0, 12))).toBe(false);
  });

  it("refuses to open a value under another context", () => {
    const sealed = box.seal("secret", context);
    expectOpenFails(() => box.open(sealed, "connection:43:credentials"), "failed authentication");
  });

  it("refuses a value whose ciphertext was changed", () => {
    const sealed = box.seal("secret value", context);
    expectOpenFails(() => box.open(flipByte(sealed, 12), context), "failed authentication");
  });

  it("refuses a value whose IV was changed", () => {
    const sealed = box.seal("secret value", context);
    expectOpenFails(() => box.open(flipByte(sealed, 0), context), "failed authentication");
  });

  it("refuses a value whose tag was changed", () => {
    const sealed = box.seal("secret value", context);
    expectOpenFails(() => box.open(flipByte(sealed, -1), context), "failed authentication");
  });

  it("refuses a value with its last byte cut off", () => {
    const sealed = box.seal("secret value", context);
    const body = partsOf(sealed).body;
    expectOpenFails(
      () => box.open(withBody(sealed, body.subarray(0, body.length - 1)), context),
      "failed authentication",
    );
  });

  it("refuses a value shorter than an IV and a tag", () => {
    const sealed = box.seal("", context);
    const body = partsOf(sealed).body;
    expectOpenFails(() => box.open(withBody(sealed, body.subarray(0, 27)), context), "truncated");
  });

  it.each([
    ["empty", ""],
    ["plain text", "hello"],
    ["wrong version", `pb2.${keyIdOf(k1)}.AAAA`],
    ["missing body", `pb1.${keyIdOf(k1)}`],
    ["extra part", `pb1.${keyIdOf(k1)}.AAAA.AAAA`],
  ])("refuses a malformed value (%s)", (_name, sealed) => {
    expectOpenFails(() => box.open(sealed, context), "not a sealed value");
  });

  it("refuses a value sealed under a key it does not hold", () => {
    const other = createSecretBox([k2]);
    const sealed = other.seal("secret", context);
    expectOpenFails(() => box.open(sealed, context), `sealed with unknown key ${keyIdOf(k2)}`);
  });

  it("needs at least one key", () => {
    expectOpenFails(() => createSecretBox([]), "at least one key");
  });

  it.each([0, 16, 31, 33, 64])("rejects a %i-byte key", (length) => {
    expectOpenFails(() => createSecretBox([Buffer.alloc(length, 1)]), "must be 32 bytes");
  });

  it("rejects a wrong-length key anywhere in the ring", () => {
    expectOpenFails(() => createSecretBox([k1, Buffer.alloc(16, 1)]), "must be 32 bytes");
  });
});

describe("key rotation", () => {
  const boxA = createSecretBox([k1]);
  const boxB = createSecretBox([k2, k1]);

  it("seals with the first key and opens with every key", () => {
    expect(boxB.primaryKeyId).toBe(keyIdOf(k2));
    expect(boxB.keyIds).toEqual([keyIdOf(k2), keyIdOf(k1)]);
  });

  it("opens a value sealed under the old key", () => {
    const sealed = boxA.seal("old secret", context);
    expect(boxB.openText(sealed, context)).toBe("old secret");
  });

  it("marks a value sealed under the old key for re-sealing", () => {
    expect(boxB.needsReseal(boxA.seal("old secret", context))).toBe(true);
  });

  it("does not mark a value sealed under the primary key for re-sealing", () => {
    expect(boxB.needsReseal(boxB.seal("new secret", context))).toBe(false);
  });

  it("re-sealing moves a value to the new key", () => {
    const old = boxA.seal("rotating", context);
    const resealed = boxB.seal(boxB.open(old, context), context);
    expect(boxB.needsReseal(resealed)).toBe(false);
    expect(boxB.openText(resealed, context)).toBe("rotating");
  });

  it("a box holding only the old key cannot open values sealed under the new one", () => {
    const sealed = boxB.seal("new secret", context);
    expectOpenFails(() => boxA.open(sealed, context), "unknown key");
  });

  it("needsReseal refuses a malformed value", () => {
    expectOpenFails(() => boxB.needsReseal("garbage"), "not a sealed value");
  });
});

describe("keyIdOf", () => {
  it("is stable, 8 hex digits, and differs between keys", () => {
    expect(keyIdOf(k1)).toMatch(/^[0-9a-f]{8}$/);
    expect(keyIdOf(Buffer.from(k1))).toBe(keyIdOf(k1));
    expect(keyIdOf(k1)).not.toBe(keyIdOf(k2));
  });
});
