import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { describe, expect, it } from "vitest";
import { GetConnectorRequestSchema } from "../../../gen/patchbay/v1/catalog_pb.ts";
import { errorJsonBody } from "../../../src/server/unary/error-json-body.ts";

// The fast path's Connect error bodies against Connect's own errorToJsonBytes.

describe("errorJsonBody", () => {
  it("writes the bytes errorToJsonBytes writes", () => {
    const errors = [
      new ConnectError("", Code.Unauthenticated),
      new ConnectError("no connector \u201cx\u201d caf\u00e9 \u{1F600}", Code.NotFound),
      new ConnectError("with details", Code.InvalidArgument, undefined, [
        {
          desc: GetConnectorRequestSchema,
          value: create(GetConnectorRequestSchema, { slug: "s".repeat(200) }),
        },
        // Its debug JSON shows the JSON options: the empty slug is written only with alwaysEmitImplicit.
        { desc: GetConnectorRequestSchema, value: create(GetConnectorRequestSchema, {}) },
      ]),
    ];
    // A detail as read from the wire (an incoming one) is written back as it came.
    const relayed = new ConnectError("relayed", Code.Aborted);
    relayed.details.push({ type: "x.Y", value: new Uint8Array([1, 2, 3]) });
    errors.push(relayed);
    for (const options of [{}, { alwaysEmitImplicit: true }]) {
      for (const error of errors) {
        expect(Buffer.from(errorJsonBody(error, options))).toEqual(
          Buffer.from(errorToJsonBytes(error, options)),
        );
      }
    }
  });
});
