import {
  type Compression,
  compressedFlag,
  encodeEnvelope,
  type UniversalServerResponse,
} from "@connectrpc/connect/protocol";

const GRPC_MESSAGE = "grpc-message";
// gRPC-Web envelope flags: the trailer frame, and a compressed frame.
const TRAILER_FLAG = 0b1000_0000;

/**
 * A `grpc-message` value percent-encoded as the gRPC spec asks ("Percent-Encoded": every byte of the
 * UTF-8 text outside printable ASCII 0x20–0x7E, and `%` itself, as `%XX`). Connect encodes with
 * `encodeURIComponent`, which also escapes `:`, `,`, `/` and more; spec clients that decode only what the
 * spec encodes (`@grpc/grpc-js` uses `decodeURI`) would show those escapes to the user.
 */
export function encodeGrpcMessage(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Connect's `grpc-message` value re-encoded with {@link encodeGrpcMessage}; a value it cannot decode stays as is. */
export function reencodeGrpcMessage(value: string): string {
  try {
    return encodeGrpcMessage(decodeURIComponent(value));
  } catch {
    return value;
  }
}

/** Rewrites `grpc-message` in place, if present. */
export function reencodeGrpcMessageIn(headers: Headers | undefined): void {
  const value = headers?.get(GRPC_MESSAGE);
  if (value !== null && value !== undefined) headers?.set(GRPC_MESSAGE, reencodeGrpcMessage(value));
}

/**
 * A gRPC response body that, once Connect has written its last message, re-encodes `grpc-message` in the
 * trailers (the Node adapter sends them after the body ends).
 */
export async function* reencodingTrailers(
  body: AsyncIterable<Uint8Array>,
  trailer: Headers | undefined,
): AsyncIterable<Uint8Array> {
  yield* body;
  reencodeGrpcMessageIn(trailer);
}

/**
 * A gRPC-Web response body with `grpc-message` re-encoded in its trailer frame. gRPC-Web carries the
 * trailers as the body's last envelope (flag 0x80) of `name: value\r\n` lines, possibly compressed with
 * the response's `grpc-encoding`; the rewritten frame is sent uncompressed, which the flag says.
 */
export async function* reencodingTrailerFrame(
  body: AsyncIterable<Uint8Array>,
  compression: Compression | undefined,
  readMaxBytes: number,
): AsyncIterable<Uint8Array> {
  let pending: Uint8Array = new Uint8Array(0);
  for await (const chunk of body) {
    pending = concat(pending, chunk);
    // Whole envelopes pass on as they complete; a split one waits for its remaining bytes.
    let start = 0;
    while (pending.byteLength - start >= 5) {
      const view = new DataView(pending.buffer, pending.byteOffset + start, 5);
      const flags = view.getUint8(0);
      const end = start + 5 + view.getUint32(1);
      if (pending.byteLength < end) break;
      const frame = pending.subarray(start, end);
      yield flags & TRAILER_FLAG ? await rewriteTrailer(frame, flags, compression, readMaxBytes) : frame;
      start = end;
    }
    pending = pending.subarray(start);
  }
  if (pending.byteLength > 0) yield pending;
}

async function rewriteTrailer(
  frame: Uint8Array,
  flags: number,
  compression: Compression | undefined,
  readMaxBytes: number,
): Promise<Uint8Array> {
  let data = frame.subarray(5);
  if (flags & compressedFlag) {
    if (compression === undefined) return frame;
    data = await compression.decompress(data, readMaxBytes);
  }
  const lines = new TextDecoder().decode(data).split("\r\n");
  const rewritten = lines.map((line) => {
    const colon = line.indexOf(":");
    if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== GRPC_MESSAGE) return line;
    return `${GRPC_MESSAGE}: ${reencodeGrpcMessage(line.slice(colon + 1).trim())}`;
  });
  return encodeEnvelope(flags & ~compressedFlag, new TextEncoder().encode(rewritten.join("\r\n")));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const joined = new Uint8Array(a.byteLength + b.byteLength);
  joined.set(a, 0);
  joined.set(b, a.byteLength);
  return joined;
}

/**
 * A gRPC or gRPC-Web answer whose `grpc-message` is encoded as the gRPC spec says ({@link
 * encodeGrpcMessage}): in the headers (trailers-only), the trailers, or the gRPC-Web trailer frame, so that
 * every spec client reads the same text. Other protocols pass through unchanged.
 */
export function withSpecGrpcMessage(
  res: UniversalServerResponse,
  protocol: string,
  compressions: readonly Compression[],
  readMaxBytes: number,
): UniversalServerResponse {
  if (protocol !== "grpc" && protocol !== "grpc-web") return res;
  reencodeGrpcMessageIn(res.header);
  const body = res.body;
  if (body === undefined) return res;
  if (protocol === "grpc") return { ...res, body: reencodingTrailers(body, res.trailer) };
  const encoding = res.header?.get("grpc-encoding");
  const compression = compressions.find((c) => c.name === encoding);
  return { ...res, body: reencodingTrailerFrame(body, compression, readMaxBytes) };
}
