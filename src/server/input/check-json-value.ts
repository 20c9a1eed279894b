import type { ConnectError } from "@connectrpc/connect";
import { checkJson } from "./check-text.ts";
import { renderPath } from "./field-path.ts";
import { invalidArgument, violation } from "./invalid-argument.ts";

/**
 * Holds a JSON value that reaches the server outside any request message (an MCP client's answer to a
 * server's request) to the rule of a `google.protobuf.Struct` field, as if it were one field of a
 * request named `name`: every string and key Unicode text without U+0000, at most `jsonMaxItems` keys
 * or items per object or array, no deeper than `maxDepth` levels below the request (input-limits.ts).
 * The walk stops at the limit, so a value nested deeper than the stack allows costs no more than one at
 * the limit. A refusal is INVALID_ARGUMENT naming the path below `name`, never the value, as the input
 * checker words it.
 */
export function checkJsonValue(value: unknown, name: string): ConnectError | undefined {
  const found = checkJson(value, 1);
  if (found === undefined) return undefined;
  const path = renderPath([...found.path, name]);
  return invalidArgument([violation(path, `${path} ${found.reason}`, found.rule)]);
}
