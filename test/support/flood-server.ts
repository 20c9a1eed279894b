import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createBrotliCompress, createDeflate, createGzip, constants as zlib } from "node:zlib";

const CHUNK = Buffer.alloc(1024 * 1024, 0x20);

/** A request a flood server answered, and the end of the connection that carried it. */
export interface FloodRequest {
  readonly path: string;
  /** Resolves when the connection closes (the client hung up, or the server closed). */
  readonly closed: Promise<void>;
}

/** A loopback server playing a hostile upstream: it answers bodies far larger than anyone should read. */
export interface FloodServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly requests: FloodRequest[];
  /** Body bytes the server handed to its sockets: backpressure stops the count where the reader stops. */
  readonly written: () => number;
  close(): Promise<void>;
}

/** Writes `bytes` spaces after `prefix`, then `suffix`, as fast as the reader takes them (backpressure). */
export type Flood = (res: ServerResponse, bytes: number, prefix?: string, suffix?: string) => void;

/** Starts a server on 127.0.0.1 whose `handle` answers each request, `flood` at hand. */
export async function startFloodServer(
  handle: (req: IncomingMessage, res: ServerResponse, flood: Flood) => void,
): Promise<FloodServer> {
  let written = 0;
  const requests: FloodRequest[] = [];
  const flood: Flood = (res, bytes, prefix = "", suffix = "") => {
    // Writing after the client hung up fails; the test looks at `written` and the connection instead.
    res.on("error", () => undefined);
    res.write(prefix);
    let left = bytes;
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
        left -= piece.length;
        written += piece.length;
        if (!res.write(piece)) {
          res.once("drain", pump);
          return;
        }
      }
      if (!res.destroyed) res.end(suffix);
    };
    pump();
  };
  const server = createServer((req, res) => {
    // A client that hangs up mid-answer resets the connection: that is the end awaited, not a failure.
    req.socket.on("error", () => undefined);
    const closed = new Promise<void>((ended) => req.socket.once("close", () => ended()));
    requests.push({ path: req.url ?? "", closed });
    req.resume();
    req.on("end", () => handle(req, res, flood));
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    written: () => written,
    close: () =>
      new Promise<void>((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}

/**
 * `prefix`, `bytes` spaces and `suffix`, compressed: a small body that unpacks to `bytes` and more. Made
 * a megabyte at a time, so the test process never holds the unpacked body itself.
 */
export async function compressedSpaces(
  encoding: "gzip" | "deflate" | "br",
  bytes: number,
  prefix = "",
  suffix = "",
): Promise<Buffer> {
  const packer =
    encoding === "gzip"
      ? createGzip({ level: 9 })
      : encoding === "deflate"
        ? createDeflate({ level: 9 })
        : createBrotliCompress({ params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } });
  const parts: Buffer[] = [];
  packer.on("data", (part: Buffer) => parts.push(part));
  const done = once(packer, "end");
  packer.write(prefix);
  for (let left = bytes; left > 0; left -= CHUNK.length) {
    if (!packer.write(left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left))) await once(packer, "drain");
  }
  packer.end(suffix);
  await done;
  return Buffer.concat(parts);
}

/**
 * How far this process's resident memory rose above where it stood when `work` began, at the highest
 * point seen (sampled every few milliseconds while it runs, and once at its end).
 */
export async function rssGrowthDuring<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const sampler = setInterval(sample, 5);
  try {
    const result = await work();
    sample();
    return { result, growth: peak - base };
  } finally {
    clearInterval(sampler);
  }
}
