import type { CommandSpecJson } from "../../../gen/patchbay/v1/common_pb.ts";

/**
 * The effect hints an operation's HTTP method implies (RFC 9110 section 9.2): the safe methods only read
 * (and are idempotent), PUT and DELETE are idempotent, and DELETE removes what it names. A PUT may create
 * or replace, so whether it is destructive stays unknown, as do POST and PATCH, whose meaning is the
 * API's own (a POST may well be a search).
 */
export const METHOD_EFFECTS: Readonly<
  Record<string, Pick<CommandSpecJson, "readOnly" | "destructive" | "idempotent">>
> = {
  get: { readOnly: true, idempotent: true },
  head: { readOnly: true, idempotent: true },
  options: { readOnly: true, idempotent: true },
  trace: { readOnly: true, idempotent: true },
  put: { readOnly: false, idempotent: true },
  delete: { readOnly: false, destructive: true, idempotent: true },
  post: {},
  patch: {},
};
