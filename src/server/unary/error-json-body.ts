import type { JsonWriteOptions } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorToJson } from "@connectrpc/connect/protocol-connect";

/**
 * A Connect error answer's JSON body, as Connect's `errorToJsonBytes` makes it (the same JSON, the same
 * error when it cannot be made), UTF-8 encoded by `Buffer.from`: from Node's pooled slab for a small
 * body, where `TextEncoder` gives each answer an ArrayBuffer of its own (off the V8 heap).
 */
export function errorJsonBody(error: ConnectError, jsonOptions: Partial<JsonWriteOptions>): Uint8Array {
  try {
    return Buffer.from(JSON.stringify(errorToJson(error, jsonOptions)), "utf8");
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    throw new ConnectError(`failed to serialize Connect Error: ${m}`, Code.Internal);
  }
}
