import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";

/** What reading a unary request's body found. */
export type UnaryBody =
  /** The whole body, and the chunks it came in. */
  | { readonly kind: "whole"; readonly bytes: Uint8Array; readonly chunks: readonly Uint8Array[] }
  /**
   * More than the limit: reading stopped (the stream is paused) after `chunks`, or never began when the
   * declared length was already too long. The rest is still in `body`.
   */
  | { readonly kind: "over"; readonly chunks: readonly Uint8Array[] }
  /** The request ended badly (the client went away) after `chunks`. */
  | { readonly kind: "broken"; readonly chunks: readonly Uint8Array[] };

/**
 * Reads a request body of at most `maxBytes` into memory, for a unary call: from Node's request object,
 * or from the HTTP/2 stream itself (both emit 'aborted' when the client goes away). It never holds more
 * than `maxBytes` plus one chunk: past that it stops and says so, and whoever answers reads the rest.
 */
export function readUnaryBody(
  req: Readable,
  headers: IncomingHttpHeaders,
  maxBytes: number,
): Promise<UnaryBody> {
  const declared = headers["content-length"];
  if (declared !== undefined && Number(declared) > maxBytes)
    return Promise.resolve({ kind: "over", chunks: [] });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (body: UnaryBody) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onBroken);
      req.off("aborted", onBroken);
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size > maxBytes) {
        req.pause();
        done({ kind: "over", chunks });
      }
    };
    const onEnd = () =>
      done({
        kind: "whole",
        bytes: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size),
        chunks,
      });
    const onBroken = () => done({ kind: "broken", chunks });
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", onBroken);
    req.once("aborted", onBroken);
  });
}
