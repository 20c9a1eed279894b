import http2 from "node:http2";
import type { NodeReq, NodeRes } from "../../protocol/node-types.ts";

/**
 * Has the rest of a request body that will not be read discarded once its answer is complete, rather than
 * held: Node's HTTP/1.1 server already reads and drops an unread body when the response ends; an HTTP/2
 * stream is reset with NO_ERROR once the response has finished, which tells the client to stop sending
 * (RFC 9113 §8.1) instead of leaving the stream open with the flow-control window's worth of its body held.
 */
export function leaveBodyUnread(req: NodeReq, res: NodeRes): void {
  if (!(req instanceof http2.Http2ServerRequest)) return;
  const { stream } = req;
  res.once("finish", () => {
    if (!stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
  });
}
