import {
  type DescMessage,
  type JsonWriteOptions,
  type JsonWriteStringOptions,
  type MessageShape,
  toJsonString,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { getJsonOptions } from "@connectrpc/connect/protocol";

/**
 * Serializes a unary answer as JSON, as Connect's JSON serialization under its write limit does
 * (`createJsonSerialization` wrapped by `limitSerialization`): the same options, the same bytes, the same
 * errors — a failed conversion as Connect converts it, an answer over `writeMaxBytes` as
 * RESOURCE_EXHAUSTED with Connect's message. Only the UTF-8 encoding differs: `Buffer.from` answers a
 * small string from Node's pooled slab, where `TextEncoder.encode` gives every answer an ArrayBuffer of
 * its own (off the V8 heap: slow to make and to sweep). Undefined when the options carry a text encoder
 * of their own, which only Connect's serialization uses.
 */
export function jsonAnswerSerializer<T extends DescMessage>(
  schema: T,
  jsonOptions: Partial<JsonWriteOptions> | undefined,
  writeMaxBytes: number,
): ((message: MessageShape<T>) => Uint8Array) | undefined {
  const own = (jsonOptions as { textEncoder?: unknown } | undefined)?.textEncoder;
  if (own !== undefined && own !== null) return undefined;
  // Connect's own options object (its defaults added), as its serialization passes to toJsonString.
  const options = getJsonOptions(jsonOptions) as Partial<JsonWriteStringOptions>;
  return (message) => {
    let bytes: Buffer;
    try {
      bytes = Buffer.from(toJsonString(schema, message, options), "utf8");
    } catch (e) {
      throw ConnectError.from(e, Code.Internal);
    }
    if (bytes.byteLength > writeMaxBytes) {
      throw new ConnectError(
        `message size ${bytes.byteLength} is larger than configured writeMaxBytes ${writeMaxBytes}`,
        Code.ResourceExhausted,
      );
    }
    return bytes;
  };
}
