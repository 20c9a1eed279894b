import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { ExecuteResponseSchema } from "../../gen/patchbay/v1/execute_pb.ts";

/** The Execute procedure's path, as Connect and gRPC clients call it. */
export const EXECUTE_PATH = "/patchbay.v1.ExecuteService/Execute";

/** The control path of a paced raw anchor (bench/execute/raw-echo-server.ts): POST the pace in µs. */
export const PACE_PATH = "/pace";

/** The params every benchmark call sends, and every answer echoes. */
export const ECHO_PARAMS = { message: "hi" } as const;

/** A valid Execute answer to the benchmark's call, built once, in both wire forms. */
export interface CannedExecuteReply {
  /** Connect unary JSON: the response message as JSON (`content-type: application/json`). */
  readonly json: Buffer;
  /** gRPC: the response message as one length-prefixed protobuf frame (`content-type: application/grpc`). */
  readonly grpcFrame: Buffer;
}

/**
 * The answer the anchors of bench/execute send without parsing the request: the same message the bare
 * Connect server builds per call (the echoed params, a fixed execution id), encoded once at start.
 */
export function cannedExecuteReply(): CannedExecuteReply {
  const message = create(ExecuteResponseSchema, {
    payload: { ...ECHO_PARAMS },
    executionId: "x",
    durationMs: 0,
  });
  const bytes = toBinary(ExecuteResponseSchema, message);
  const grpcFrame = Buffer.alloc(5 + bytes.length);
  grpcFrame.writeUInt32BE(bytes.length, 1);
  grpcFrame.set(bytes, 5);
  return { json: Buffer.from(toJsonString(ExecuteResponseSchema, message)), grpcFrame };
}
