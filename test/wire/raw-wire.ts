import http from "node:http";
import http2 from "node:http2";
import { gunzipSync, gzipSync } from "node:zlib";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { create, toBinary } from "@bufbuild/protobuf";
import { ExecuteRequestSchema } from "../../gen/patchbay/v1/execute_pb.ts";

/** What a raw request got back: status, headers and trailers as sent, the body's bytes. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly trailers: Record<string, string>;
  readonly body: Uint8Array;
  /** HTTP/2 only: the response's first HEADERS frame ended the stream (a gRPC "trailers-only" answer). */
  readonly headersEndedStream: boolean;
}

/** Options of a raw request. */
export interface RawRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  /** Sent as given, in these chunks; none for an empty body. */
  readonly body?: Uint8Array | readonly Uint8Array[];
  /** The request method; POST unless given. */
  readonly method?: string;
}

const flatten = (headers: http.IncomingHttpHeaders | http2.IncomingHttpHeaders): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return out;
};

const chunksOf = (body: RawRequest["body"]): readonly Uint8Array[] =>
  body === undefined ? [] : body instanceof Uint8Array ? [body] : body;

/** One request over h2c (prior knowledge), on a session of its own. */
export async function h2Request(baseUrl: string, request: RawRequest): Promise<RawAnswer> {
  const session = http2.connect(baseUrl);
  try {
    return await new Promise<RawAnswer>((resolve, reject) => {
      session.once("error", reject);
      const stream = session.request({
        ":method": request.method ?? "POST",
        ":path": request.path,
        ...request.headers,
      });
      let status = 0;
      let headersEndedStream = false;
      let headers: Record<string, string> = {};
      let trailers: Record<string, string> = {};
      const chunks: Buffer[] = [];
      stream.once("response", (h, flags) => {
        status = Number(h[":status"]);
        headersEndedStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
        headers = flatten(h);
      });
      stream.once("trailers", (t) => {
        trailers = flatten(t);
      });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      // A server may reset the stream once it has answered (before reading all of a refused body): the
      // answer stands.
      stream.on("error", (error) => {
        if (status === 0) reject(error);
      });
      stream.once("close", () => {
        if (status === 0) reject(new Error(`stream closed without a response (code ${stream.rstCode})`));
        else
          resolve({
            status,
            headers,
            trailers,
            body: new Uint8Array(Buffer.concat(chunks)),
            headersEndedStream,
          });
      });
      for (const chunk of chunksOf(request.body)) stream.write(chunk);
      stream.end();
    });
  } finally {
    session.close();
  }
}

/** One request over HTTP/1.1, on a connection of its own. */
export async function http1Request(baseUrl: string, request: RawRequest): Promise<RawAnswer> {
  const agent = new http.Agent({ keepAlive: false });
  try {
    return await new Promise<RawAnswer>((resolve, reject) => {
      const req = http.request(
        `${baseUrl}${request.path}`,
        { method: request.method ?? "POST", headers: request.headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.once("error", reject);
          res.once("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: flatten(res.headers),
              trailers: flatten(res.trailers as http.IncomingHttpHeaders),
              body: new Uint8Array(Buffer.concat(chunks)),
              headersEndedStream: false,
            }),
          );
        },
      );
      req.once("error", reject);
      for (const chunk of chunksOf(request.body)) req.write(chunk);
      req.end();
    });
  } finally {
    agent.destroy();
  }
}

/** A gRPC / gRPC-Web frame: flags, four bytes of length, the data. */
export function frame(data: Uint8Array, flags = 0, length = data.byteLength): Uint8Array {
  const out = new Uint8Array(5 + data.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, flags);
  view.setUint32(1, length);
  out.set(data, 5);
  return out;
}

/** One frame as read from a body. */
export interface Frame {
  readonly flags: number;
  readonly data: Uint8Array;
}

/** The frames of a gRPC / gRPC-Web body; throws when the body does not split into whole frames. */
export function framesOf(body: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  let at = 0;
  while (at < body.byteLength) {
    if (body.byteLength - at < 5) throw new Error(`a cut frame header at ${at}`);
    const view = new DataView(body.buffer, body.byteOffset + at, 5);
    const end = at + 5 + view.getUint32(1);
    if (end > body.byteLength) throw new Error(`a cut frame at ${at}`);
    frames.push({ flags: view.getUint8(0), data: body.subarray(at + 5, end) });
    at = end;
  }
  return frames;
}

/** The `name: value` lines of a gRPC-Web trailer frame (flag 0x80), names in lower case. */
export function trailerFrame(body: Uint8Array): Record<string, string> {
  const last = framesOf(body).at(-1);
  if (last === undefined || (last.flags & 0x80) === 0) throw new Error("no trailer frame");
  const data = last.flags & 0x01 ? gunzipSync(last.data) : last.data;
  const out: Record<string, string> = {};
  for (const line of new TextDecoder().decode(data).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

/** An ExecuteRequest in protobuf binary. */
export function executeBytes(init: MessageInitShape<typeof ExecuteRequestSchema>): Uint8Array {
  return toBinary(ExecuteRequestSchema, create(ExecuteRequestSchema, init));
}

/** Echo's `echo` command with this message, as an ExecuteRequest init. */
export function echoRequest(message: string): MessageInitShape<typeof ExecuteRequestSchema> {
  return { target: { case: "connectorSlug", value: "echo" }, command: "echo", params: { message } };
}

/** Echo's `echo` command with this message, in Connect/REST JSON. */
export function echoJson(message: string): string {
  return JSON.stringify({ connectorSlug: "echo", command: "echo", params: { message } });
}

export const gzip = (data: Uint8Array | string): Uint8Array => new Uint8Array(gzipSync(data));
export const gunzip = (data: Uint8Array): Uint8Array => new Uint8Array(gunzipSync(data));
export const text = (data: Uint8Array): string => new TextDecoder().decode(data);

/** The procedures under test. */
export const EXECUTE = "/patchbay.v1.ExecuteService/Execute";
export const GET_CONNECTOR = "/patchbay.v1.CatalogService/GetConnector";
export const LIST_EXECUTIONS = "/patchbay.v1.ExecuteService/ListExecutions";
export const AGENT_CONNECT = "/patchbay.agent.v1.AgentService/Connect";

/** Request headers of each protocol, with this API key. */
export const grpcHeaders = (key: string): Record<string, string> => ({
  authorization: `Bearer ${key}`,
  "content-type": "application/grpc",
  te: "trailers",
});
export const grpcWebHeaders = (key: string): Record<string, string> => ({
  authorization: `Bearer ${key}`,
  "content-type": "application/grpc-web+proto",
  "x-grpc-web": "1",
});
export const connectJsonHeaders = (key: string): Record<string, string> => ({
  authorization: `Bearer ${key}`,
  "content-type": "application/json",
});

/** A JSON body as bytes. */
export const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** A stack trace line, which no answer may hold. */
export const STACK_LINE = /\n\s+at .+\(|node:internal|\.ts:\d+:\d+/;
