import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";

/**
 * What a request handler that threw answers, and how its request's log line says it ended. The SDK
 * answers a handler's throw with a JSON-RPC error carrying the error's own message, and nothing tells
 * the endpoint: the log line would say `ok`, and an unexpected error's text (a stack overflow, a
 * database's words) would reach the client. So the failure is marked in `state` (unless the handler
 * marked it already: an unknown tool is NOT_FOUND), an McpError of ours goes on as it is (its message
 * written for the client), and anything else becomes a generic internal error whose cause goes to the
 * log line alone.
 */
export function handlerFailure(state: { failed: ConnectError | undefined }, error: unknown): McpError {
  if (error instanceof McpError) {
    state.failed ??=
      error.code === ErrorCode.InvalidParams
        ? new ConnectError("invalid params", Code.InvalidArgument)
        : new ConnectError("internal error", Code.Internal, undefined, undefined, error);
    return error;
  }
  state.failed ??= new ConnectError("internal error", Code.Internal, undefined, undefined, error);
  return new McpError(ErrorCode.InternalError, "internal error");
}
