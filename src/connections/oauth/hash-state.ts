import { createHash, timingSafeEqual } from "node:crypto";

/** SHA-256 hex of an OAuth `state`; only the hash is stored, so a database read cannot forge a callback. */
export function hashState(state: string): string {
  return createHash("sha256").update(state, "utf8").digest("hex");
}

/** True when `state` hashes to `stateHash`, compared in constant time. */
export function stateMatches(state: string, stateHash: string): boolean {
  const actual = Buffer.from(hashState(state), "utf8");
  const expected = Buffer.from(stateHash, "utf8");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
