import { fromJson, type JsonObject, type JsonValue, toJson } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { ExecuteResponseSchema, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { codeFromName, codeName } from "../protocol/errors.ts";
import type { ExecuteReply } from "./execute-reply.ts";

// A field a later release adds to a message must not make this one refuse the row (a rollback within
// the idempotency window reads what the newer release stored).
const READ = { ignoreUnknownFields: true };

/**
 * A reply as `executions.reply` stores it: only wire messages in proto JSON, so that a release which
 * changes how outcomes are made inside still replays what an earlier one answered. A response is
 * `{ "response": ExecuteResponse }`; an error is `{ "failure": ExecutionFailure, "code": "<code name>",
 * "message": "<operator-safe message>" }`, code and message being what Connect and gRPC put on the wire.
 */
export function toStoredReply(reply: ExecuteReply): JsonObject {
  if (!(reply instanceof ConnectError)) return { response: toJson(ExecuteResponseSchema, reply) };
  const [failure] = reply.findDetails(ExecutionFailureSchema);
  return {
    failure: failure === undefined ? {} : toJson(ExecutionFailureSchema, failure),
    code: codeName(reply.code),
    message: reply.rawMessage,
  };
}

const isObject = (value: JsonValue | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The reply {@link toStoredReply} stored; throws on a value it did not make. */
export function fromStoredReply(stored: JsonObject): ExecuteReply {
  const { response, failure, code, message } = stored;
  if (isObject(response)) return fromJson(ExecuteResponseSchema, response, READ);
  if (!isObject(failure) || typeof code !== "string" || typeof message !== "string") {
    throw new Error("executions.reply holds neither a response nor a failure");
  }
  return new ConnectError(message, codeFromName(code), undefined, [
    { desc: ExecutionFailureSchema, value: fromJson(ExecutionFailureSchema, failure, READ) },
  ]);
}
