import type { RequestFailed_Reason } from "../../gen/patchbay/agent/v1/agent_pb.ts";

/** A request the agent answers with RequestFailed; the message is operator-safe (no URL query, header, body). */
export class RequestFailure extends Error {
  override name = "RequestFailure";
  readonly reason: RequestFailed_Reason;
  constructor(reason: RequestFailed_Reason, message: string) {
    super(message);
    this.reason = reason;
  }
}
