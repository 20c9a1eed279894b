import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ApiKeyStore } from "./api-keys.ts";
import { createAccessRules, presentedKey } from "./auth-interceptor.ts";
import { type KeyRefusal, MISSING_KEY_MESSAGE, UNKNOWN_KEY_MESSAGE } from "./key-refusal.ts";

/**
 * Checks a call's key before its body is read: undefined when the body may be read (a public procedure, or
 * a key the store knows), or the refusal to answer instead. Answered at once for a public procedure, a call
 * without a key and a key verified lately; otherwise once the store has looked the key up.
 */
export type KeyPrecheck = (
  method: DescMethod,
  header: Pick<Headers, "get">,
) => KeyRefusal | undefined | Promise<KeyRefusal | undefined>;

/**
 * The key check that runs before a request body is read, so that a caller without a valid key cannot make
 * the server hold its body (up to the procedure's read limit, on every stream it opens). It refuses what the
 * auth interceptor would refuse for a missing or unknown key; a key lacking the procedure's scope is left
 * to the interceptor, which names the principal in the call's log line.
 */
export function createKeyPrecheck(keys: ApiKeyStore): KeyPrecheck {
  const ruleOf = createAccessRules();
  return (method, header) => {
    if (ruleOf(method).public) return undefined;
    const key = presentedKey(header);
    if (key === undefined) return { refusal: new ConnectError(MISSING_KEY_MESSAGE, Code.Unauthenticated) };
    // The valid key's common case: verified lately, so its call reads its body without waiting.
    if (keys.verifiedLately(key) !== undefined) return undefined;
    return keys.verify(key).then(
      (principal) =>
        principal === undefined
          ? { refusal: new ConnectError(UNKNOWN_KEY_MESSAGE, Code.Unauthenticated) }
          : undefined,
      (error: unknown) => ({ refusal: error }),
    );
  };
}
