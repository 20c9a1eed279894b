import { describe, expect, it } from "vitest";
import { checkReplies } from "../../src/mcp/check-replies.ts";
import type { McpInputRules } from "../../src/mcp/mcp-deps.ts";
import type { ClientReply } from "../../src/mcp/reply-relay.ts";
import { checkJsonValue } from "../../src/server/input/check-json-value.ts";
import { createInputChecker } from "../../src/server/input/create-input-checker.ts";

const input: McpInputRules = { check: createInputChecker(), checkJson: checkJsonValue, maxDepth: 64 };
const reply = (result: Record<string, unknown>): ClientReply => ({ jsonrpc: "2.0", id: "pb-1", result });

describe("checkReplies", () => {
  it("passes answers that fit, and refuses the first that breaks the input rules, naming where", () => {
    expect(checkReplies([reply({ text: "fine" })], input, 1_000)).toBeUndefined();
    const refused = checkReplies([reply({ text: "fine" }), reply({ text: "a\u0000" })], input, 1_000);
    expect(refused?.rawMessage).toBe('answer["result"]["text"] must not contain U+0000 (NUL)');
  });

  it("holds answers to the body limit as they would be stored, which can be longer than they came", () => {
    // `1e20` in the body is written `100000000000000000000`.
    const numbers = JSON.parse(`{"jsonrpc":"2.0","id":"pb-1","result":{"n":[${Array(20).fill("1e20")}]}}`);
    const written = JSON.stringify(numbers).length;
    expect(checkReplies([numbers], input, written)).toBeUndefined();
    expect(checkReplies([numbers], input, written - 1)?.rawMessage).toBe(
      `the answers are larger than the body limit (${written - 1} bytes) once written as JSON`,
    );
    // The limit holds for all of a POST's answers together.
    expect(checkReplies([numbers, numbers], input, written + 1)).toBeDefined();
  });
});
