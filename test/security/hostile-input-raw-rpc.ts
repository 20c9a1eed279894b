import http2 from "node:http2";

/** What a raw call answered, whatever the protocol: the status code name and the headers that matter. */
export interface RawAnswer {
  /** HTTP status. */
  readonly status: number;
  /** The Connect/gRPC code as a number (gRPC status, or the Connect error's code mapped back). */
  readonly code: number;
  /** The error message, decoded. */
  readonly message: string;
  /** `x-request-id` from the response headers (or trailers), or null. */
  readonly requestId: string | null;
}

const CONNECT_CODES: Record<string, number> = {
  canceled: 1,
  unknown: 2,
  invalid_argument: 3,
  deadline_exceeded: 4,
  not_found: 5,
  already_exists: 6,
  permission_denied: 7,
  resource_exhausted: 8,
  failed_precondition: 9,
  aborted: 10,
  out_of_range: 11,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
  data_loss: 15,
  unauthenticated: 16,
};

/** A gRPC or gRPC-Web frame holding `message` (uncompressed). */
export function envelope(message: Uint8Array, flags = 0): Buffer {
  const frame = Buffer.alloc(5 + message.byteLength);
  frame.writeUInt8(flags, 0);
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, 5);
  return frame;
}

/** A Connect unary call over HTTP/1.1 with a raw body (`application/proto` or `application/json`). */
export async function connectCall(
  url: string,
  path: string,
  body: Uint8Array | string,
  contentType: string,
  headers: Record<string, string>,
): Promise<RawAnswer> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { ...headers, "content-type": contentType },
    body,
  });
  const text = await res.text();
  const error = res.status === 200 ? {} : (JSON.parse(text || "{}") as { code?: string; message?: string });
  return {
    status: res.status,
    code: res.status === 200 ? 0 : (CONNECT_CODES[error.code ?? ""] ?? -1),
    message: error.message ?? "",
    requestId: res.headers.get("x-request-id"),
  };
}

function trailerFields(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return fields;
}

/** A gRPC-Web call over HTTP/1.1 with a raw (already framed) body; reads the trailer frame. */
export async function grpcWebCall(
  url: string,
  path: string,
  body: Uint8Array,
  headers: Record<string, string>,
): Promise<RawAnswer> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
    body,
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  let status = res.headers.get("grpc-status");
  let message = res.headers.get("grpc-message");
  let requestId = res.headers.get("x-request-id");
  for (let at = 0; at + 5 <= bytes.length; ) {
    const flags = bytes.readUInt8(at);
    const length = bytes.readUInt32BE(at + 1);
    if ((flags & 0x80) !== 0) {
      const fields = trailerFields(bytes.subarray(at + 5, at + 5 + length).toString("utf8"));
      status = fields.get("grpc-status") ?? status;
      message = fields.get("grpc-message") ?? message;
      requestId ??= fields.get("x-request-id") ?? null;
    }
    at += 5 + length;
  }
  return {
    status: res.status,
    code: Number(status ?? -1),
    message: decodeURIComponent(message ?? ""),
    requestId,
  };
}

/** Native gRPC calls over one h2c session, with raw (already framed) bodies. */
export function grpcSession(url: string): {
  call(path: string, body: Uint8Array, headers: Record<string, string>): Promise<RawAnswer>;
  close(): void;
} {
  const session = http2.connect(url);
  session.on("error", () => undefined);
  return {
    call(path, body, headers) {
      return new Promise((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": path,
          "content-type": "application/grpc+proto",
          te: "trailers",
          ...headers,
        });
        let head: http2.IncomingHttpHeaders = {};
        let tail: http2.IncomingHttpHeaders = {};
        stream.on("response", (h) => {
          head = h;
        });
        stream.on("trailers", (t) => {
          tail = t;
        });
        stream.on("data", () => undefined);
        stream.on("error", reject);
        stream.on("close", () => {
          const pick = (name: string) => {
            const v = tail[name] ?? head[name];
            return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
          };
          resolve({
            status: Number(head[":status"] ?? 0),
            code: Number(pick("grpc-status") ?? -1),
            message: decodeURIComponent(pick("grpc-message") ?? ""),
            requestId: pick("x-request-id"),
          });
        });
        stream.end(body);
      });
    },
    close() {
      session.close();
    },
  };
}
