import { z } from "zod";

// zod's `guid()`, not `uuid()`: `uuid()` also demands RFC 9562's version and variant digits, while the
// ids Patchbay reads back (PostgreSQL's uuid type, pg-boss job ids, replay keys cut from a digest) are
// any 32 hex digits in 8-4-4-4-12 groups. An immutable schema, shared safely by every server.
const UUID_TEXT = z.guid();

/**
 * Whether `value` is a UUID as PostgreSQL's uuid type reads it: 32 hex digits grouped 8-4-4-4-12, any
 * version, either case. The one UUID check of the code base: request fields declare
 * `(patchbay.v1.rules).uuid` instead, and this serves values that reach no request message (a path the
 * REST bridge does not bind, a stored reference).
 */
export function isUuid(value: string): boolean {
  return UUID_TEXT.safeParse(value).success;
}
