import { createHash } from "node:crypto";

/** The dedupe id for providers that document none: "sha256:" + hex SHA-256 of the raw body. */
export function bodyDigestId(body: Uint8Array): string {
  return `sha256:${createHash("sha256").update(body).digest("hex")}`;
}
