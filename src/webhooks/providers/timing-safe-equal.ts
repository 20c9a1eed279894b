import { timingSafeEqual } from "node:crypto";

const HEX = /^[0-9a-fA-F]*$/;

/** Constant-time byte comparison; the length check first is safe because lengths are not secret. */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time comparison of two strings as UTF-8. */
export function timingSafeEqualString(a: string, b: string): boolean {
  return timingSafeEqualBytes(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Whether `hex` (either case) encodes exactly `expected`; false for anything that is not even-length hex. */
export function timingSafeEqualHex(expected: Uint8Array, hex: string): boolean {
  if (hex.length !== expected.length * 2 || !HEX.test(hex)) return false;
  return timingSafeEqualBytes(expected, Buffer.from(hex, "hex"));
}

/**
 * Whether `base64` is exactly the standard, padded encoding of `expected`. Compared as text, so a
 * non-canonical spelling of the same bytes (other trailing bits, no padding) does not match.
 */
export function timingSafeEqualBase64(expected: Uint8Array, base64: string): boolean {
  return timingSafeEqualString(Buffer.from(expected).toString("base64"), base64);
}
