import type { Readable } from "node:stream";
import { OutboundError } from "./outbound-error.ts";

/**
 * Reads a response body as UTF-8, stopping (and destroying the stream) as soon as it passes `maxBytes`.
 */
export async function readCappedBody(body: Readable, maxBytes: number, host: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      discard(body);
      throw tooLarge(host, maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Stops reading a body; undici reports the destroy as an abort error, which nobody needs to hear. */
export function discard(body: Readable): void {
  body.on("error", () => undefined).destroy();
}

/** The error for a response body over the cap. */
export function tooLarge(host: string, maxBytes: number): OutboundError {
  return new OutboundError("TOO_LARGE", `Outbound response from ${host} is larger than ${maxBytes} bytes`);
}
