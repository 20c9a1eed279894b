import type { JsonObject } from "@bufbuild/protobuf";
import type { ConnectError } from "@connectrpc/connect";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { codeName } from "../protocol/errors.ts";

/**
 * A failed call as MCP's tool result: `isError`, the operator-safe message and the stable codes. A call
 * refused before a command ran has no command error code: its gRPC code in upper case stands in.
 */
export function toolFailure(
  error: ConnectError,
  errorCode = codeName(error.code).toUpperCase(),
  executionId?: string,
): CallToolResult {
  const structured: JsonObject = { code: codeName(error.code), errorCode, message: error.rawMessage };
  if (executionId !== undefined && executionId !== "") structured.executionId = executionId;
  return {
    isError: true,
    content: [{ type: "text", text: `${codeName(error.code)} (${errorCode}): ${error.rawMessage}` }],
    structuredContent: structured,
  };
}
