import { z } from "zod";

// zod's `guid` pattern (the one `z.guid()` checks with), not `uuid()`'s: that one also demands RFC 9562's
// version and variant digits, while the ids Patchbay reads back (PostgreSQL's uuid type, pg-boss job ids,
// replay keys cut from a digest) are any 32 hex digits in 8-4-4-4-12 groups. The pattern itself, not
// `z.guid().safeParse()`: this runs on every request that carries an id, and the pattern test is ten times
// cheaper than a parse that builds a result object. It has no `g` flag, so `test` keeps no state.
const GUID = z.regexes.guid;

/**
 * Whether `value` is a UUID as PostgreSQL's uuid type reads it: 32 hex digits grouped 8-4-4-4-12, any
 * version, either case. The one UUID check of the code base: request fields declare
 * `(patchbay.v1.rules).uuid` instead, and this serves values that reach no request message (a path the
 * REST bridge does not bind, a stored reference).
 */
export function isUuid(value: string): boolean {
  return GUID.test(value);
}
