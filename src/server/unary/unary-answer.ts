import type { JsonWriteOptions } from "@bufbuild/protobuf";
import type { Compression } from "@connectrpc/connect/protocol";
import type { UnaryWire } from "./unary-wire.ts";

/** One unary answer's parts, as the call left them. */
export interface UnaryAnswer {
  readonly wire: UnaryWire;
  /** The response headers (content type and encoding set when the call began) and trailers. */
  readonly header: Headers;
  readonly trailer: Headers;
  /** The response compression the client accepts, if any. */
  readonly compression: Compression | null;
  /** Messages this size or larger are compressed (when a compression is accepted). */
  readonly compressMinBytes: number;
  readonly jsonOptions: Partial<JsonWriteOptions> | undefined;
}
