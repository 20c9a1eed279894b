/** Longest shared secret accepted; real ones are 32–64 characters. */
const MAX_LENGTH = 512;

/**
 * Why a shared HMAC secret is unusable, or undefined. An empty key would let anyone sign, and
 * surrounding whitespace is almost always a copy-paste slip that would fail every delivery.
 */
export function checkSharedSecret(secret: string, what: string): string | undefined {
  if (secret.length === 0) return `${what} is empty`;
  if (secret.length > MAX_LENGTH) return `${what} is longer than ${MAX_LENGTH} characters`;
  if (secret.trim() !== secret) return `${what} has leading or trailing whitespace`;
  return undefined;
}
