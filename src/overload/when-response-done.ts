import type { StreamResponse, UnaryResponse } from "@connectrpc/connect";

/**
 * Calls `done` once a response has been given out: at once for a unary response, after the last message
 * (or when the client goes away) for a streaming one. Interceptors that hold something for the length
 * of a call (an in-flight slot, a database caller scope) release it here.
 */
export function whenResponseDone<T extends UnaryResponse | StreamResponse>(res: T, done: () => void): T {
  if (!res.stream) {
    done();
    return res;
  }
  const messages = res.message;
  return {
    ...res,
    message: (async function* () {
      try {
        yield* messages;
      } finally {
        done();
      }
    })(),
  };
}
