import { Code, ConnectError } from "@connectrpc/connect";
import type { McpInputRules } from "./mcp-deps.ts";
import type { ClientReply } from "./reply-relay.ts";

/**
 * Holds the answers one POST carries to what the reply relay can hand over and store
 * (`mcp_replies.body` is jsonb, which refuses U+0000 and lone surrogates; a value nested past the stack
 * cannot even be written as JSON): each answer is held to the input rules of a JSON value (text, sizes,
 * nesting, as if it were a request field named `answer`), and all of them, written as JSON, to the body
 * limit. The rules are the same whether the call that waits is on this replica or another. The refusal
 * of the first answer that breaks one (INVALID_ARGUMENT naming the path below `answer`, never its
 * content), or undefined: then every answer may be handed over.
 */
export function checkReplies(
  replies: readonly ClientReply[],
  input: McpInputRules,
  maxBytes: number,
): ConnectError | undefined {
  let bytes = 0;
  for (const reply of replies) {
    const refused = input.checkJson(reply, "answer");
    if (refused !== undefined) return refused;
    // Within the rules the answer can be written; it can be written longer than it came (`1e9` is
    // `1000000000`).
    bytes += Buffer.byteLength(JSON.stringify(reply));
    if (bytes > maxBytes) {
      return new ConnectError(
        `the answers are larger than the body limit (${maxBytes} bytes) once written as JSON`,
        Code.InvalidArgument,
      );
    }
  }
  return undefined;
}
