import { createPublicKey, verify } from "node:crypto";

const PUBLIC_KEY_HEX = /^[0-9a-fA-F]{64}$/;
const SIGNATURE_HEX = /^[0-9a-fA-F]{128}$/;

/** Whether a string is a raw 32-byte Ed25519 public key in hex. */
export function isEd25519PublicKeyHex(hex: string): boolean {
  return PUBLIC_KEY_HEX.test(hex);
}

/**
 * Whether `signatureHex` (64 bytes, hex) is an Ed25519 signature of `message` under the raw public
 * key `publicKeyHex` (32 bytes, hex). False, never a throw, for malformed keys or signatures.
 */
export function verifyEd25519Hex(publicKeyHex: string, message: Uint8Array, signatureHex: string): boolean {
  if (!isEd25519PublicKeyHex(publicKeyHex) || !SIGNATURE_HEX.test(signatureHex)) return false;
  try {
    const x = Buffer.from(publicKeyHex, "hex").toString("base64url");
    const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" });
    return verify(null, message, key, Buffer.from(signatureHex, "hex"));
  } catch {
    return false;
  }
}
