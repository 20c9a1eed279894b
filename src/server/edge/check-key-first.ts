import type { DescMethod } from "@bufbuild/protobuf";
import type { KeyPrecheck, KeyRefusal } from "../../auth/index.ts";
import type { NodeReq, NodeRes } from "../../protocol/node-types.ts";
import { leaveBodyUnread } from "../unary/leave-body-unread.ts";
import { nodeRequestHeaders } from "../unary/node-request-headers.ts";

/**
 * Checks a call's API key before Connect's handler reads its body, then calls `go` with the refusal, if
 * any (at once for a public procedure, a call without a key or a key verified lately; otherwise once the
 * store has looked the key up). A refused call's body is never read: the rest of it is discarded once the
 * answer is complete (an HTTP/2 stream is reset with NO_ERROR). A lookup that fails is `go`'s refusal too.
 */
export function checkKeyFirst(
  keyCheck: KeyPrecheck,
  method: DescMethod,
  req: NodeReq,
  res: NodeRes,
  go: (refused: KeyRefusal | undefined) => void,
): void {
  const checked = keyCheck(method, nodeRequestHeaders(req.headers));
  const answer = (refused: KeyRefusal | undefined) => {
    if (refused !== undefined) leaveBodyUnread(req, res);
    go(refused);
  };
  if (checked instanceof Promise) checked.then(answer, (error: unknown) => answer({ refusal: error }));
  else answer(checked);
}
