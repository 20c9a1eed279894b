import { type ContextValues, createContextKey, createContextValues } from "@connectrpc/connect";

/** The answer to a call without a key. */
export const MISSING_KEY_MESSAGE =
  "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'";
/** The answer to a key the store does not know, or no longer honours. */
export const UNKNOWN_KEY_MESSAGE = "unknown or revoked API key";

/** A call refused before its body was read: what to answer (a ConnectError, or what `verify` threw). */
export interface KeyRefusal {
  readonly refusal: unknown;
}

/**
 * Where a call refused before its body was read (`createKeyPrecheck`) carries its refusal, for the auth
 * interceptor to throw: the call then runs its interceptors with an empty input message (its body was never
 * read), so that it is answered and logged as every refused call is, and never reaches a later interceptor
 * or its handler.
 */
export const keyRefusalKey = createContextKey<KeyRefusal | undefined>(undefined, {
  description: "key refused before the body",
});

/** The context values of a call refused before its body was read, carrying its refusal. */
export function keyRefusalValues(refused: KeyRefusal): ContextValues {
  return createContextValues().set(keyRefusalKey, refused);
}
