import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { compressionGzip } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import {
  encodeGrpcMessage,
  reencodeGrpcMessage,
  reencodingTrailerFrame,
  reencodingTrailers,
} from "../../../src/server/edge/grpc-message-encoding.ts";

// Item 3: grpc-message as the gRPC spec percent-encodes it, whatever Connect wrote.
const TEXT = "Missing required field(s): title, body — 100% ü";
const SPEC = "Missing required field(s): title, body %E2%80%94 100%25 %C3%BC";

async function collect(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function* chunks(...parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* parts;
}

describe("encodeGrpcMessage", () => {
  it("escapes only bytes outside printable ASCII, and %", () => {
    expect(encodeGrpcMessage(TEXT)).toBe(SPEC);
    expect(encodeGrpcMessage("tab\there\nnew line")).toBe("tab%09here%0Anew line");
    expect(decodeURIComponent(encodeGrpcMessage(TEXT))).toBe(TEXT);
  });

  it("re-encodes Connect's encodeURIComponent value, and leaves an undecodable one as it is", () => {
    expect(reencodeGrpcMessage(encodeURIComponent(TEXT))).toBe(SPEC);
    expect(reencodeGrpcMessage("100%")).toBe("100%");
  });
});

describe("the response bodies", () => {
  it("rewrites the gRPC trailers once the body has ended", async () => {
    const trailer = new Headers({ "grpc-status": "3", "grpc-message": encodeURIComponent(TEXT) });
    const out = await collect(reencodingTrailers(chunks(new Uint8Array([1, 2])), trailer));
    expect([...out]).toEqual([1, 2]);
    expect(trailer.get("grpc-message")).toBe(SPEC);
  });

  it("rewrites the gRPC-Web trailer frame, split across chunks, and keeps the data frames", async () => {
    const data = encodeEnvelope(0, new Uint8Array([7, 8, 9]));
    const trailerText = `grpc-status: 3\r\ngrpc-message: ${encodeURIComponent(TEXT)}\r\n`;
    const trailer = encodeEnvelope(0x80, new TextEncoder().encode(trailerText));
    const whole = Buffer.concat([data, trailer]);
    const out = await collect(
      reencodingTrailerFrame(
        chunks(whole.subarray(0, 3), whole.subarray(3, 12), whole.subarray(12)),
        undefined,
        1e6,
      ),
    );
    expect([...out.subarray(0, data.byteLength)]).toEqual([...data]);
    expect(out[data.byteLength]).toBe(0x80);
    expect(new TextDecoder().decode(out.subarray(data.byteLength + 5))).toBe(
      `grpc-status: 3\r\ngrpc-message: ${SPEC}\r\n`,
    );
  });

  it("reads a compressed trailer frame and sends it uncompressed", async () => {
    const trailerText = `grpc-status: 3\r\ngrpc-message: ${encodeURIComponent(TEXT)}\r\n`;
    const packed = await compressionGzip.compress(new TextEncoder().encode(trailerText));
    const out = await collect(
      reencodingTrailerFrame(chunks(encodeEnvelope(0x81, packed)), compressionGzip, 1e6),
    );
    expect(out[0]).toBe(0x80);
    expect(new TextDecoder().decode(out.subarray(5))).toContain(`grpc-message: ${SPEC}\r\n`);
  });
});
