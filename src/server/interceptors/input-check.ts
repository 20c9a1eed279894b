import type { DescMessage } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { decodeRefusal } from "../edge/decode-refusal.ts";
import type { InputChecker } from "../input/create-input-checker.ts";

async function* checkedStream<T extends object>(
  messages: AsyncIterable<T>,
  schema: DescMessage,
  check: InputChecker,
): AsyncGenerator<T> {
  const it = messages[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<T>;
    try {
      next = await it.next();
    } catch (error) {
      // A streamed message is decoded as it is read, inside the interceptors (unary ones before them).
      throw decodeRefusal(error, schema);
    }
    if (next.done === true) return;
    const refusal = check(schema, next.value);
    if (refusal !== undefined) throw refusal;
    yield next.value;
  }
}

/**
 * Holds every request message to the input rules ({@link InputChecker}: the text and size rule of every
 * request, then the rules its fields declare with `(patchbay.v1.rules)`) before the handler sees it: a
 * unary request at once, each message of a stream as it arrives. A refusal is INVALID_ARGUMENT with a
 * google.rpc.BadRequest detail, the same on gRPC, Connect and the REST bridge. Innermost, so that a
 * refusal is logged, authenticated and counted against the rate limit like any other call.
 */
export function createInputCheckInterceptor(check: InputChecker): Interceptor {
  return (next) => async (req) => {
    if (!req.stream) {
      const refusal = check(req.method.input, req.message);
      if (refusal !== undefined) throw refusal;
      return next(req);
    }
    return next({ ...req, message: checkedStream(req.message, req.method.input, check) });
  };
}
