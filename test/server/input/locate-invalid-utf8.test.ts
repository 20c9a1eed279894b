import { fromJson, type JsonObject, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CreateConnectorRequestSchema } from "../../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteRequestSchema } from "../../../gen/patchbay/v1/execute_pb.ts";
import { locateInvalidUtf8 } from "../../../src/server/input/locate-invalid-utf8.ts";

const MARKER = "\u0001\u0002\u0003";
const BAD = [0xed, 0xa0, 0x80]; // a surrogate in CESU-8: not UTF-8

function withBadText(
  schema: typeof ExecuteRequestSchema | typeof CreateConnectorRequestSchema,
  json: JsonObject,
) {
  const bytes = toBinary(schema, fromJson(schema, json));
  const at = Buffer.from(bytes).indexOf(MARKER);
  if (at < 0) throw new Error("marker not found");
  bytes.set(BAD, at);
  return bytes;
}

describe("locateInvalidUtf8", () => {
  it.each([
    [{ command: MARKER }, "command"],
    [{ metadata: { stepId: "ok", runId: MARKER } }, "metadata.run_id"],
    [{ params: { a: [1, { b: MARKER }] } }, 'params["a"][1]["b"]'],
    [{ params: { [MARKER]: 1 } }, "params[?] key"],
  ])("finds %j in Execute's request at %s", (json, path) => {
    expect(
      locateInvalidUtf8(ExecuteRequestSchema, withBadText(ExecuteRequestSchema, json as JsonObject)),
    ).toBe(path);
  });

  it.each([
    [{ tags: ["a", "b", MARKER] }, "tags[2]"],
    [
      { configSchema: { commands: { list: { paramSchema: { q: { options: ["x", MARKER] } } } } } },
      'config_schema.commands["list"].param_schema["q"].options[1]',
    ],
    [{ configSchema: { commands: { [MARKER]: {} } } }, "config_schema.commands[?] key"],
  ])("finds %j in CreateConnector's request at %s", (json, path) => {
    expect(
      locateInvalidUtf8(
        CreateConnectorRequestSchema,
        withBadText(CreateConnectorRequestSchema, json as JsonObject),
      ),
    ).toBe(path);
  });

  it("finds nothing in valid UTF-8, and gives up on malformed bytes instead of throwing", () => {
    const clean = toBinary(
      ExecuteRequestSchema,
      fromJson(ExecuteRequestSchema, { command: "héllo", params: { a: "👋" } }),
    );
    expect(locateInvalidUtf8(ExecuteRequestSchema, clean)).toBeUndefined();
    expect(locateInvalidUtf8(ExecuteRequestSchema, Uint8Array.of(0x0a, 0x05, 0x01))).toBeUndefined();
  });
});
