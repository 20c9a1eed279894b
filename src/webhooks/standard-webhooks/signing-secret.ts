import { randomBytes } from "node:crypto";

const PREFIX = "whsec_";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Standard Webhooks: "At least 24 bytes (192 bits, 512 maximum)". */
const MIN_BYTES = 24;
const MAX_BYTES = 64;

/** A fresh Standard Webhooks signing secret: "whsec_" + base64 of 32 random bytes. */
export function generateSigningSecret(random: (size: number) => Uint8Array = randomBytes): string {
  return PREFIX + Buffer.from(random(32)).toString("base64");
}

/** Why a signing secret is unusable ("whsec_" + base64 of 24–64 bytes), or undefined when fine. */
export function checkSigningSecret(secret: string): string | undefined {
  const key = signingKeyOf(secret);
  if (key === undefined) return 'signing secret must be "whsec_" followed by base64';
  if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
    return `signing secret must decode to ${MIN_BYTES}-${MAX_BYTES} bytes`;
  }
  return undefined;
}

/** The HMAC key inside a "whsec_" secret, or undefined when it is not "whsec_" + padded base64. */
export function signingKeyOf(secret: string): Buffer | undefined {
  if (!secret.startsWith(PREFIX)) return undefined;
  const base64 = secret.slice(PREFIX.length);
  if (base64.length % 4 !== 0 || !BASE64.test(base64)) return undefined;
  return Buffer.from(base64, "base64");
}
