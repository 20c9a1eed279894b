import { describe, expect, it } from "vitest";
import { describeScriptError, scriptLocation } from "../../../src/connectors/script/describe-script-error.ts";
import { SCRIPT_FILENAME, SCRIPT_PREFIX } from "../../../src/connectors/script/sandbox-bootstrap.ts";

// What a script author reads when the script fails to compile or throws at its top level: the error's
// name, its message and the position in their own source, never the host's stack.
describe("describeScriptError", () => {
  it("names a compile error's position in the script, shifting line 1 by the wrapper's prefix", () => {
    const error = new SyntaxError(`Unexpected token ';' [${SCRIPT_FILENAME}:2:7]`);
    expect(describeScriptError(error)).toBe("SyntaxError: Unexpected token ';' (line 2, column 7)");
    const first = new SyntaxError(
      `Unexpected end of input [${SCRIPT_FILENAME}:1:${SCRIPT_PREFIX.length + 4}]`,
    );
    expect(describeScriptError(first)).toBe("SyntaxError: Unexpected end of input (line 1, column 4)");
  });

  it("takes a runtime error's position from the first script frame above the isolate boundary", () => {
    const error = new TypeError("x is not a function");
    error.stack = [
      "TypeError: x is not a function",
      "    at helper (<isolated-vm>:1:1)",
      `    at run (${SCRIPT_FILENAME}:4:12)`,
      "    at <isolated-vm boundary>",
      `    at host (${SCRIPT_FILENAME}:9:9)`,
    ].join("\n");
    expect(describeScriptError(error)).toBe("TypeError: x is not a function (line 4, column 12)");
  });

  it("says nothing of a position the isolate's part of the stack does not show", () => {
    const error = new Error("");
    error.name = "RangeError";
    error.stack = `RangeError\n    at <isolated-vm boundary>\n    at host (${SCRIPT_FILENAME}:3:3)`;
    expect(describeScriptError(error)).toBe("RangeError");
    expect(scriptLocation(undefined)).toBe("");
    expect(scriptLocation("Error: x\nnot a frame")).toBe("");
  });

  it("describes a thrown non-Error by a short preview, and isolated-vm's own wording plainly", () => {
    expect(describeScriptError("boom")).toBe('script threw a non-Error value: "boom"');
    expect(describeScriptError({ code: 7 })).toBe('script threw a non-Error value: {"code":7}');
    expect(describeScriptError(undefined)).toBe("script threw a non-Error value: undefined");
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(describeScriptError(circular)).toBe("script threw a non-Error value: [object Object]");
    expect(describeScriptError("x".repeat(500))).toHaveLength(
      "script threw a non-Error value: ".length + 200,
    );
    const crossed = new Error(
      "An object was thrown from supplied code within isolated-vm, but it was not an Error",
    );
    expect(describeScriptError(crossed)).toBe("script threw a non-Error value");
  });
});
