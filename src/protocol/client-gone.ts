import { Code, ConnectError } from "@connectrpc/connect";
import type { NodeRes } from "./node-types.ts";

/**
 * What a call's signal is aborted with when its client goes away before the answer is complete: a
 * cancellation by the caller (a command it ends is recorded as the caller's, `CANCELED`).
 */
export function clientWentAway(): ConnectError {
  return new ConnectError("the client went away", Code.Canceled);
}

/**
 * A signal that aborts with {@link clientWentAway} when the response closes before it has ended: the
 * client closed its connection (HTTP/1.1) or reset its stream (HTTP/2) while waiting for the answer. One
 * listener on the response, which stays quiet once the answer has been written.
 */
export function clientGone(res: NodeRes): AbortSignal {
  const gone = new AbortController();
  res.once("close", () => {
    if (!res.writableEnded) gone.abort(clientWentAway());
  });
  return gone.signal;
}
