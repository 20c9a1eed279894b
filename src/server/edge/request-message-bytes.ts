import type { Compression } from "@connectrpc/connect/protocol";

/**
 * The first request message's bytes from a unary request body as it arrived: without the gRPC / gRPC-Web
 * frame, decompressed. Undefined when they cannot be had (a frame cut short, an unknown compression).
 * Used only to explain a refusal, never on the way to a handler.
 */
export async function requestMessageBytes(
  chunks: readonly Uint8Array[],
  framed: boolean,
  header: Headers,
  compressions: readonly Compression[],
  readMaxBytes: number,
): Promise<Uint8Array | undefined> {
  let data: Uint8Array = Buffer.concat(chunks);
  let encoding: string | null;
  if (framed) {
    if (data.byteLength < 5) return undefined;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const compressed = (view.getUint8(0) & 0x01) === 0x01;
    data = data.subarray(5, 5 + view.getUint32(1));
    encoding = compressed ? header.get("grpc-encoding") : null;
  } else {
    encoding = header.get("content-encoding");
  }
  if (encoding === null || encoding === "identity") return data;
  const compression = compressions.find((c) => c.name === encoding);
  return compression === undefined ? undefined : compression.decompress(data, readMaxBytes);
}
