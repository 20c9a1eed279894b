import { create } from "@bufbuild/protobuf";
import type { Dispatcher } from "undici";
import {
  type AgentMessage,
  AgentMessageSchema,
  RequestFailed_Reason,
} from "../../gen/patchbay/agent/v1/agent_pb.ts";
import { RequestFailure } from "./request-failure.ts";

/** Response headers about this connection only; Patchbay frames the body itself. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "proxy-connection",
  "trailer",
  "te",
]);

/**
 * Sends an upstream answer as a ResponseHead with the first `chunkBytes` of the body and BodyChunks of
 * `chunkBytes`, the last one marked `end`; each send is awaited (backpressure). A body over
 * `maxBodyBytes` (declared or counted) throws {@link RequestFailure} TOO_LARGE; `progress.headSent` tells
 * the caller whether a head went out before a failure.
 */
export async function sendResponse(
  requestId: string,
  answer: Dispatcher.ResponseData,
  limits: { readonly maxBodyBytes: number; readonly chunkBytes: number },
  send: (message: AgentMessage) => Promise<void>,
  progress: { headSent: boolean },
): Promise<void> {
  const tooLarge = () =>
    new RequestFailure(
      RequestFailed_Reason.TOO_LARGE,
      `the response body is over ${limits.maxBodyBytes} bytes`,
    );
  const declared = Number(answer.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limits.maxBodyBytes) {
    answer.body.destroy();
    throw tooLarge();
  }
  const headers = Object.entries(answer.headers)
    .filter(([name]) => !HOP_BY_HOP.has(name))
    .flatMap(([name, value]) =>
      (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) => ({ name, value: v })),
    );
  const emit = (data: Uint8Array, end: boolean) => {
    if (progress.headSent) {
      return send(
        create(AgentMessageSchema, { kind: { case: "responseBody", value: { requestId, data, end } } }),
      );
    }
    progress.headSent = true;
    return send(
      create(AgentMessageSchema, {
        kind: {
          case: "responseHead",
          value: { requestId, status: answer.statusCode, headers, body: data, end },
        },
      }),
    );
  };
  let pending: Buffer = Buffer.alloc(0);
  let total = 0;
  for await (const piece of answer.body as AsyncIterable<Buffer>) {
    total += piece.length;
    if (total > limits.maxBodyBytes) {
      answer.body.destroy();
      throw tooLarge();
    }
    pending = pending.length === 0 ? piece : Buffer.concat([pending, piece]);
    while (pending.length >= limits.chunkBytes) {
      await emit(pending.subarray(0, limits.chunkBytes), false);
      pending = pending.subarray(limits.chunkBytes);
    }
  }
  await emit(pending, true);
}
