import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import {
  type DescMethod,
  type DescMethodUnary,
  type DescService,
  type FileRegistry,
  fromJson,
  type JsonObject,
  type JsonValue,
  type Message,
  ScalarType,
  toJson,
} from "@bufbuild/protobuf";
import { StringValueSchema } from "@bufbuild/protobuf/wkt";
import {
  Code,
  ConnectError,
  createConnectRouter,
  type HandlerContext,
  type Interceptor,
} from "@connectrpc/connect";
import { pino } from "pino";
import { BRIDGE_MARKER_HEADER, HTTP_STATUS_HEADER } from "../../../src/protocol/headers.ts";
import { createRestBridge } from "../../../src/server/rest/rest-bridge.ts";

/** How the test client reaches the server: fetch over HTTP/1.1, or HTTP/2 without TLS. */
export type Transport = "http/1.1" | "h2c";

/** What one handler invocation received. */
export interface HandlerCall {
  /** The RPC's proto name (`GetThing`). */
  readonly rpc: string;
  /** The request message as proto3 JSON. */
  readonly message: JsonValue;
  readonly header: Headers;
}

/** What the router's interceptor saw for one call. */
export interface InterceptedCall {
  readonly rpc: string;
  readonly bridgeMarker: string | null;
}

/** A REST request as the test writes it: `path` includes the (already encoded) query. */
export interface RestRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

/** The answer, with the raw body bytes. */
export interface RestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

/** A real server on 127.0.0.1, port 0, whose every RPC echoes; see {@link startEchoServer}. */
export interface EchoServer {
  readonly transport: Transport;
  /** Every handler invocation, oldest first (clear it between rows). */
  readonly calls: HandlerCall[];
  /** Every call the router's interceptor saw, oldest first. */
  readonly intercepted: InterceptedCall[];
  send(request: RestRequest): Promise<RestResponse>;
  close(): Promise<void>;
}

/** Options for {@link startEchoServer}. */
export interface EchoServerOptions {
  readonly registry: FileRegistry;
  readonly service: DescService;
  readonly transport: Transport;
  readonly maxBodyBytes: number;
}

const HTTP_BODY = "google.api.HttpBody";

/**
 * Request headers that steer the echo handlers and interceptor, so table rows stay plain data:
 * - `x-echo-status: N`: the handler asks for success status N through the documented response header;
 * - `x-echo-status-trailer: N`: the same, as a response trailer;
 * - `x-echo-header: V`: the handler sets response header `x-echo: V`;
 * - `x-echo-error: <Code number>`: the handler throws that ConnectError, with the percent-decoded
 *   `x-echo-error-message` (default "nope") and, given `x-echo-error-detail: TEXT`, a
 *   google.protobuf.StringValue detail holding TEXT;
 * - `x-echo-crash: TEXT`: the handler throws a plain Error(TEXT);
 * - `x-echo-deny`: the router's interceptor refuses the call with UNAUTHENTICATED.
 */
export const CONTROL = {
  status: "x-echo-status",
  statusTrailer: "x-echo-status-trailer",
  header: "x-echo-header",
  error: "x-echo-error",
  errorMessage: "x-echo-error-message",
  errorDetail: "x-echo-error-detail",
  crash: "x-echo-crash",
  deny: "x-echo-deny",
} as const;

function textOf(request: JsonObject, key: string): string {
  const value = request[key];
  return typeof value === "string" ? value : "";
}

/**
 * The response for an RPC whose output type differs from its input: HttpBody → a CSV line made from
 * the request's `name`; otherwise, per output field, a repeated field of the request type gets the
 * request twice, an HttpBody field an HTML page from `name`, and a string field `"next-" + name`.
 */
function responseJson(method: DescMethod, request: JsonObject): JsonObject {
  const name = textOf(request, "name");
  const csv = { contentType: "text/csv", data: Buffer.from(`name\n${name}\n`).toString("base64") };
  if (method.output.typeName === HTTP_BODY) return csv;
  const out: JsonObject = {};
  for (const field of method.output.fields) {
    if (field.fieldKind === "list" && field.listKind === "message" && field.message === method.input) {
      out[field.jsonName] = [request, request];
    } else if (field.fieldKind === "message" && field.message.typeName === HTTP_BODY) {
      out[field.jsonName] = {
        contentType: "text/html; charset=utf-8",
        data: Buffer.from(`<p>${name}</p>`).toString("base64"),
      };
    } else if (field.fieldKind === "scalar" && field.scalar === ScalarType.STRING) {
      out[field.jsonName] = `next-${name}`;
    }
  }
  return out;
}

function echoHandler(
  method: DescMethod,
  registry: FileRegistry,
  calls: HandlerCall[],
): (request: Message, context: HandlerContext) => Promise<Message> {
  return async (request, context) => {
    const message = toJson(method.input, request, { registry });
    calls.push({ rpc: method.name, message, header: new Headers(context.requestHeader) });
    const ask = (name: string) => context.requestHeader.get(name);
    const status = ask(CONTROL.status);
    if (status !== null) context.responseHeader.set(HTTP_STATUS_HEADER, status);
    const trailerStatus = ask(CONTROL.statusTrailer);
    if (trailerStatus !== null) context.responseTrailer.set(HTTP_STATUS_HEADER, trailerStatus);
    const echoHeader = ask(CONTROL.header);
    if (echoHeader !== null) context.responseHeader.set("x-echo", echoHeader);
    const code = ask(CONTROL.error);
    if (code !== null) {
      const detail = ask(CONTROL.errorDetail);
      throw new ConnectError(
        decodeURIComponent(ask(CONTROL.errorMessage) ?? "nope"),
        Number(code) as Code,
        undefined,
        detail === null ? [] : [{ desc: StringValueSchema, value: { value: detail } }],
      );
    }
    const crash = ask(CONTROL.crash);
    if (crash !== null) throw new Error(crash);
    if (method.output === method.input) return request;
    const json = typeof message === "object" && message !== null && !Array.isArray(message) ? message : {};
    return fromJson(method.output, responseJson(method, json), { registry });
  };
}

// DescMethod's methodKind is a plain union, so narrowing on it does not reach DescMethodUnary.
function isUnary(method: DescMethod): method is DescMethodUnary {
  return method.methodKind === "unary";
}

function recordingInterceptor(intercepted: InterceptedCall[]): Interceptor {
  return (next) => async (req) => {
    intercepted.push({ rpc: req.method.name, bridgeMarker: req.header.get(BRIDGE_MARKER_HEADER) });
    if (req.header.has(CONTROL.deny)) throw new ConnectError("an API key is required", Code.Unauthenticated);
    return next(req);
  };
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function sendH2(session: http2.ClientHttp2Session, request: RestRequest): Promise<RestResponse> {
  return new Promise((resolve, reject) => {
    const stream = session.request(
      { ":method": request.method, ":path": request.path, ...request.headers },
      { endStream: request.body === undefined },
    );
    stream.on("error", reject);
    stream.on("response", (incoming) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming)) {
        if (name.startsWith(":") || value === undefined) continue;
        headers.set(name, Array.isArray(value) ? value.join(", ") : String(value));
      }
      collect(stream).then((body) => resolve({ status: Number(incoming[":status"]), headers, body }), reject);
    });
    if (request.body !== undefined) stream.end(request.body);
  });
}

/**
 * Serves `service` through the REST bridge on a real listener: a Connect router whose every RPC
 * records its request and echoes it (see {@link CONTROL} for the knobs), with a recording interceptor,
 * and `createRestBridge` as the whole request handler.
 */
export async function startEchoServer(options: EchoServerOptions): Promise<EchoServer> {
  const calls: HandlerCall[] = [];
  const intercepted: InterceptedCall[] = [];
  const router = createConnectRouter({ interceptors: [recordingInterceptor(intercepted)] });
  // Every unary RPC echoes; streaming ones stay unimplemented (the bridge never routes them).
  for (const method of options.service.methods) {
    if (isUnary(method)) router.rpc(method, echoHandler(method, options.registry, calls));
  }
  const bridge = createRestBridge({
    handlers: router.handlers,
    services: [options.service],
    maxBodyBytes: options.maxBodyBytes,
    logger: pino({ level: "silent" }),
  });

  if (options.transport === "http/1.1") {
    const server = http.createServer((req, res) => bridge.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      transport: options.transport,
      calls,
      intercepted,
      async send(request) {
        const res = await fetch(`${origin}${request.path}`, {
          method: request.method,
          headers: request.headers ?? {},
          ...(request.body === undefined ? {} : { body: request.body }),
        });
        return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
      },
      async close() {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }

  const server = http2.createServer((req, res) => bridge.handle(req, res));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => sessions.add(session));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = http2.connect(origin);
  return {
    transport: options.transport,
    calls,
    intercepted,
    send: (request) => sendH2(client, request),
    async close() {
      client.close();
      for (const session of sessions) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
