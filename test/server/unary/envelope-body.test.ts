import { compressedFlag, encodeEnvelope } from "@connectrpc/connect/protocol";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { describe, expect, it } from "vitest";
import { envelopeBody } from "../../../src/server/unary/envelope-body.ts";

// The fast path's gRPC and gRPC-Web bodies against Connect's own encoding of the same parts.

const bytes = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 7 + 3) % 256);

function connectBody(message: { flags: number; data: Uint8Array } | undefined, trailer?: Headers): Buffer {
  const parts: Uint8Array[] = [];
  if (message !== undefined) parts.push(encodeEnvelope(message.flags, message.data));
  if (trailer !== undefined) parts.push(encodeEnvelope(trailerFlag, trailerSerialize(trailer)));
  return Buffer.concat(parts);
}

describe("envelopeBody", () => {
  const trailers = [
    new Headers({ "grpc-status": "0" }),
    new Headers({ "grpc-status": "5", "grpc-message": "no connector %22x%22", "x-b": "1", "x-a": "2" }),
    // Headers hold Latin-1 text: written as UTF-8, as TextEncoder writes it.
    new Headers({ "grpc-status": "3", "x-note": "caf\u00e9 \u00ff" }),
    new Headers(),
  ];

  it.each([0, 1, 59, 60, 4090, 70_000])("writes a message of %i bytes as Connect's envelope", (size) => {
    const message = { flags: 0, data: bytes(size) };
    expect(envelopeBody(message)).toEqual(connectBody(message));
    const compressed = { flags: compressedFlag, data: bytes(size) };
    expect(envelopeBody(compressed)).toEqual(connectBody(compressed));
  });

  it("writes the gRPC-Web trailer frame after the message, or alone, as Connect does", () => {
    for (const trailer of trailers) {
      for (const message of [undefined, { flags: 0, data: bytes(68) }, { flags: 1, data: bytes(5000) }]) {
        const body = envelopeBody(message, trailer);
        expect(body).toEqual(connectBody(message, trailer));
        expect(body.byteLength).toBe(
          (message === undefined ? 0 : 5 + message.data.byteLength) +
            5 +
            trailerSerialize(trailer).byteLength,
        );
      }
    }
  });
});
