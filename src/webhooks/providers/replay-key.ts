import { createHash } from "node:crypto";

/**
 * The replay key of a delivery whose provider signs the body but not the event id (GitHub, Linear): a
 * digest of the signature that verified, as computed here (never the header's spelling, which a replayer
 * could vary in case), so the same signed bytes under a fresh, unsigned id dedupe as the same event.
 *
 * The first 128 bits of its SHA-256, written as a UUID: stored in a `uuid` column, the unique index
 * compares 16 bytes, with no collation, on the receiver's hot path. A digest rather than the signature,
 * so the stored key is not a signature anyone could send; 128 bits, because two events of one endpoint
 * colliding by chance needs about 2⁶⁴ of them, and a collision on purpose needs a body the provider signed.
 */
export function replayKey(signature: Uint8Array): string {
  const hex = createHash("sha256").update(signature).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
