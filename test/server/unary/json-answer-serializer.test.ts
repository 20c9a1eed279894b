import { create } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { createMethodSerializationLookup } from "@connectrpc/connect/protocol";
import { describe, expect, it } from "vitest";
import { CatalogService, GetConnectorResponseSchema } from "../../../gen/patchbay/v1/catalog_pb.ts";
import { jsonAnswerSerializer } from "../../../src/server/unary/json-answer-serializer.ts";

// The fast path's JSON answers against Connect's own JSON serialization under the same options and limit.

const method = CatalogService.method.getConnector;

function connectSerialize(jsonOptions: object, writeMaxBytes: number) {
  const lookup = createMethodSerializationLookup(method, undefined, jsonOptions, {
    writeMaxBytes,
    readMaxBytes: 0xffffffff,
  });
  return (message: Parameters<ReturnType<typeof lookup.getO>["serialize"]>[0]) =>
    lookup.getO(false).serialize(message);
}

function thrown(fn: () => unknown): ConnectError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
  throw new Error("nothing was thrown");
}

describe("jsonAnswerSerializer", () => {
  const messages = [
    create(GetConnectorResponseSchema, {}),
    create(GetConnectorResponseSchema, { connector: { slug: "echo", name: "Echo" } }),
    create(GetConnectorResponseSchema, {
      connector: { slug: "caf\u00e9", name: "\u{1F600} \u4e2d\u6587", description: "x".repeat(5000) },
    }),
  ];

  it.each([
    ["no options", {}],
    ["every field, proto names", { alwaysEmitImplicit: true, useProtoFieldName: true }],
  ])("writes the bytes Connect's serialization writes (%s)", (_, options) => {
    const ours = jsonAnswerSerializer(method.output, options, 0xffffffff);
    if (ours === undefined) throw new Error("no serializer");
    const theirs = connectSerialize(options, 0xffffffff);
    for (const message of messages) expect(Buffer.from(ours(message))).toEqual(Buffer.from(theirs(message)));
  });

  it("refuses an answer over writeMaxBytes with Connect's code and message, and takes one at the limit", () => {
    const message = messages[1] as (typeof messages)[number];
    const size = connectSerialize({}, 0xffffffff)(message).byteLength;
    const ours = jsonAnswerSerializer(method.output, {}, size - 1);
    if (ours === undefined) throw new Error("no serializer");
    const error = thrown(() => ours(message));
    const expected = thrown(() => connectSerialize({}, size - 1)(message));
    expect(error.code).toBe(expected.code);
    expect(error.rawMessage).toBe(expected.rawMessage);
    expect(error.rawMessage).toBe(`message size ${size} is larger than configured writeMaxBytes ${size - 1}`);
    expect(jsonAnswerSerializer(method.output, {}, size)?.(message).byteLength).toBe(size);
  });

  it("fails a message JSON cannot hold as Connect does", () => {
    // A message of another type is refused by toJsonString; both wrap the refusal the same way.
    const foreign = create(CatalogService.method.getConnector.input, { slug: "x" }) as never;
    const ours = jsonAnswerSerializer(method.output, {}, 0xffffffff);
    if (ours === undefined) throw new Error("no serializer");
    const error = thrown(() => ours(foreign));
    const expected = thrown(() => connectSerialize({}, 0xffffffff)(foreign));
    expect([error.code, error.rawMessage]).toEqual([expected.code, expected.rawMessage]);
  });

  it("leaves options with a text encoder of their own to Connect's serialization", () => {
    expect(
      jsonAnswerSerializer(method.output, { textEncoder: new TextEncoder() } as never, 10),
    ).toBeUndefined();
    expect(jsonAnswerSerializer(method.output, {}, 10)).toBeTypeOf("function");
  });
});
