import {
  type DescMessage,
  type DescMethodUnary,
  fromJson,
  type JsonObject,
  type JsonValue,
  toJson,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { REQUEST_ID_HEADER } from "../protocol/headers.ts";

/** Who calls, as the in-process RPC sees it: the key the MCP request presented, and its request id. */
export interface RpcCaller {
  /** The API key of the MCP request; the RPC's own auth interceptor verifies it and checks the scope. */
  readonly key: string;
  /** The MCP request's id, so the RPC's log line carries the same one. */
  readonly requestId: string;
}

/**
 * Calls one of the server's own unary procedures in process, as the caller: the request is read from
 * proto JSON (the tool's arguments, camelCase as REST takes them), sent through the same interceptors
 * (auth and the method's scope, input rules, error edge) and handler as a gRPC, Connect or REST call,
 * and the answer comes back as proto JSON with every field, as REST answers it. Arguments that are not
 * the request's JSON are `INVALID_ARGUMENT`, as a REST body that does not decode.
 */
export async function callRpc<I extends DescMessage, O extends DescMessage>(
  api: Transport,
  caller: RpcCaller,
  method: DescMethodUnary<I, O>,
  args: JsonValue,
  signal: AbortSignal,
): Promise<JsonObject> {
  let input: ReturnType<typeof fromJson<I>>;
  try {
    input = fromJson(method.input, args);
  } catch (error) {
    // protobuf-es names the field and the expected type; the message holds no value of a secret field.
    const why = error instanceof Error ? error.message : "cannot decode";
    throw new ConnectError(`invalid arguments: ${why}`, Code.InvalidArgument);
  }
  const answer = await api.unary(
    method,
    signal,
    undefined,
    { authorization: `Bearer ${caller.key}`, [REQUEST_ID_HEADER]: caller.requestId },
    input,
  );
  const json = toJson(method.output, answer.message, { alwaysEmitImplicit: true });
  return typeof json === "object" && json !== null && !Array.isArray(json) ? json : {};
}
