import { fromBinary, fromJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { CreateConnectorRequestSchema } from "../../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteRequestSchema } from "../../../gen/patchbay/v1/execute_pb.ts";
import { decodeRefusal } from "../../../src/server/edge/decode-refusal.ts";

// The errors Connect raises while reading a request, made the way it makes them (serialization.js).
function jsonError(text: string): ConnectError {
  try {
    fromJsonString(ExecuteRequestSchema, text, { ignoreUnknownFields: true });
  } catch (e) {
    return ConnectError.from(e, Code.InvalidArgument);
  }
  throw new Error("decoded");
}

function binaryError(bytes: number[]): ConnectError {
  try {
    fromBinary(ExecuteRequestSchema, Uint8Array.from(bytes));
  } catch (e) {
    return new ConnectError(`parse binary: ${(e as Error).message}`, Code.Internal);
  }
  throw new Error("decoded");
}

const SECRET = "sk_live_should_not_echo";

describe("decodeRefusal", () => {
  it.each([
    [
      `{"metadata":{"stepId":7, "x":"${SECRET}"}}`,
      "metadata.step_id does not hold a valid value of its type",
    ],
    [`{"metadata":{"timeoutMs":"${SECRET}"}}`, "metadata.timeout_ms does not hold a valid value of its type"],
    [`{"command":"a\\ud800${SECRET}"}`, "command must be valid Unicode text (it holds a lone surrogate)"],
    [`{"connectorSlug":"${SECRET}","connectionId":"x"}`, "target is set more than once"],
    [`{"command": "${SECRET}"`, "the request body is not a valid patchbay.v1.ExecuteRequest in JSON"],
    [`"${SECRET}"`, "the request body is not a valid patchbay.v1.ExecuteRequest in JSON"],
    [
      `{"command":"a","command":"${SECRET}"}`,
      "the request body is not a valid patchbay.v1.ExecuteRequest in JSON",
    ],
  ])("words a JSON decoding error for %s by field or format, quoting no value", (json, message) => {
    const refusal = decodeRefusal(jsonError(json), ExecuteRequestSchema);
    expect(refusal.code).toBe(Code.InvalidArgument);
    expect(refusal.rawMessage).toBe(message);
    expect(refusal.rawMessage).not.toContain("sk_live");
  });

  it("names a field by its qualified name when several paths lead to its message", () => {
    const error = ConnectError.from(
      (() => {
        try {
          fromJsonString(
            CreateConnectorRequestSchema,
            '{"configSchema":{"commands":{"c":{"paramSchema":{"p":{"label":5}}}}}}',
          );
        } catch (e) {
          return e;
        }
      })(),
      Code.InvalidArgument,
    );
    expect(decodeRefusal(error, CreateConnectorRequestSchema).rawMessage).toBe(
      "patchbay.v1.FieldSpec.label does not hold a valid value of its type",
    );
  });

  it.each([
    [
      [0x0a, 0x05, 0x01],
      "the request is not a valid patchbay.v1.ExecuteRequest in protobuf binary (premature EOF)",
    ],
    [
      [0x0f],
      "the request is not a valid patchbay.v1.ExecuteRequest in protobuf binary (illegal tag: field no 1 wire type 7)",
    ],
    [[0x12, 0x02, 0xc3, 0x28], "a string field of the request is not valid UTF-8"],
  ])("turns malformed binary %j from INTERNAL into INVALID_ARGUMENT", (bytes, message) => {
    const refusal = decodeRefusal(binaryError(bytes), ExecuteRequestSchema);
    expect(refusal.code).toBe(Code.InvalidArgument);
    expect(refusal.rawMessage).toBe(message);
  });

  it("keeps size, framing and cancellation errors as Connect made them", () => {
    for (const error of [
      new ConnectError("message size 5 is larger than configured readMaxBytes 4", Code.ResourceExhausted),
      new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument),
      new ConnectError("http/2 stream closed with error code CANCEL (0x8)", Code.Canceled),
      new ConnectError("the operation timed out", Code.DeadlineExceeded),
    ]) {
      expect(decodeRefusal(error, ExecuteRequestSchema)).toBe(error);
    }
  });

  it("words an unknown compression without quoting the header", () => {
    const error = new ConnectError(
      `unknown compression "${SECRET}": supported encodings are gzip, br`,
      Code.Unimplemented,
    );
    const refusal = decodeRefusal(error, ExecuteRequestSchema);
    expect(refusal.code).toBe(Code.Unimplemented);
    expect(refusal.rawMessage).not.toContain(SECRET);
  });

  it("answers anything else read before the handler as INVALID_ARGUMENT, never INTERNAL", () => {
    for (const error of [
      new ConnectError("received compressed envelope, but do not know how to decompress", Code.Internal),
      new ConnectError(`internal error ${SECRET}`, Code.Internal),
      new Error(SECRET),
    ]) {
      const refusal = decodeRefusal(error, ExecuteRequestSchema);
      expect(refusal.code).toBe(Code.InvalidArgument);
      expect(refusal.rawMessage).not.toContain(SECRET);
    }
  });
});
