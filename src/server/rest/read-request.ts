import type { NodeReq } from "../../protocol/node-types.ts";
import { BridgeError } from "./bridge-error.ts";

/** Reads the whole body, refusing (413) past `limit` bytes, declared or streamed. */
export async function readBody(req: NodeReq, limit: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new BridgeError(413, "resource_exhausted", `the request body exceeds ${limit} bytes`);
  if (Number(req.headers["content-length"] ?? "0") > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/** True for JSON media types (and an absent type, which curl-style clients often send). */
export function isJsonType(contentType: string): boolean {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "" || type === "application/json" || type.endsWith("+json");
}

// Hop-by-hop and framing headers the bridge itself decides; HTTP/2 pseudo-headers start with ":".
const DROP_REQUEST = new Set([
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "te",
  "content-length",
  "content-type",
  "content-encoding",
  "accept-encoding",
]);

/** The request headers a handler sees, as a Connect client's would reach it. */
export function forwardedHeaders(req: NodeReq, drop: readonly string[]): Headers {
  const header = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(":") || DROP_REQUEST.has(name) || drop.includes(name))
      continue;
    header.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return header;
}
