import { Code, ConnectError } from "@connectrpc/connect";

/** The snake_case wire name of a code, as the Connect protocol writes it (`invalid_argument`). */
export function codeName(code: Code): string {
  return (Code[code] ?? "unknown").replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c : `_${c}`).toLowerCase());
}

const CODES_BY_NAME = new Map(
  Object.values(Code)
    .filter((c): c is Code => typeof c === "number")
    .map((c) => [codeName(c), c]),
);

/** The code for a snake_case wire name; `Unknown` for anything else. */
export function codeFromName(name: string): Code {
  return CODES_BY_NAME.get(name) ?? Code.Unknown;
}

/**
 * The error itself, or a copy of it when it is frozen: a frozen error is one object shared by many calls
 * (the reason a server stop aborts every call with), so the headers one call's answer adds to its
 * metadata must go on a copy, not reach the other calls' answers.
 */
export function writable(error: ConnectError): ConnectError {
  if (!Object.isFrozen(error)) return error;
  const copy = new ConnectError(error.rawMessage, error.code, new Headers(error.metadata), undefined, error);
  copy.details.push(...error.details);
  return copy;
}

/**
 * The error a client sees for `error`. A `ConnectError` was made on purpose with an operator-safe
 * message and passes unchanged; anything else is a bug or an outage whose message may hold anything,
 * so the client gets a generic `INTERNAL` with the request id to quote, and the original stays in the log.
 */
export function toClientError(error: unknown, requestId: string): ConnectError {
  if (error instanceof ConnectError) return writable(error);
  return new ConnectError(`internal error (request ${requestId})`, Code.Internal);
}

/** An `INVALID_ARGUMENT` error with an operator-safe message that names the field. */
export function invalidArgument(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}
