import { trailerFlag } from "@connectrpc/connect/protocol-grpc-web";

/** One enveloped message: its flags (compressed or not) and its bytes. */
export interface Envelope {
  readonly flags: number;
  readonly data: Uint8Array;
}

/**
 * A gRPC or gRPC-Web answer body, byte for byte as Connect's `encodeEnvelope` (and, for gRPC-Web,
 * `trailerSerialize` joined after it) write it: the message's envelope, if any, then, when `trailer` is
 * given, the gRPC-Web trailer frame (`name: value\r\n` per field, UTF-8). Written into one
 * `Buffer.allocUnsafe`, which Node answers from its pooled slab for a small body, where Connect's
 * functions make a `Uint8Array` and a `TextEncoder` array per answer (each an ArrayBuffer of its own,
 * off the V8 heap: slow to make and to sweep) and then copy them into the body. Every byte of the
 * buffer is written, so none of the slab's old contents goes out.
 */
export function envelopeBody(message: Envelope | undefined, trailer?: Headers): Buffer {
  const messageSize = message === undefined ? 0 : 5 + message.data.byteLength;
  let text = "";
  trailer?.forEach((value, name) => {
    text += `${name}: ${value}\r\n`;
  });
  const textSize = trailer === undefined ? 0 : Buffer.byteLength(text, "utf8");
  const body = Buffer.allocUnsafe(messageSize + (trailer === undefined ? 0 : 5 + textSize));
  if (message !== undefined) {
    body[0] = message.flags;
    body.writeUInt32BE(message.data.byteLength, 1);
    body.set(message.data, 5);
  }
  if (trailer !== undefined) {
    body[messageSize] = trailerFlag;
    body.writeUInt32BE(textSize, messageSize + 1);
    body.write(text, messageSize + 5, "utf8");
  }
  return body;
}
