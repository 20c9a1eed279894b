import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { getOption, hasOption } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerRequest } from "@connectrpc/connect/protocol";
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";
import { rest } from "../../../gen/patchbay/v1/common_pb.ts";
import type { Logger } from "../../logging/logger.ts";
import { httpStatusOf } from "../http-status.ts";
import { BRIDGE_MARKER_HEADER, requestIdFrom } from "../request-info.ts";
import { BridgeError } from "./bridge-error.ts";
import { resolveFieldPath } from "./field-paths.ts";
import { collectBindings, type HttpBinding } from "./http-rules.ts";
import { buildRequestJson, isRawBody } from "./request-json.ts";
import { createRouteTable } from "./route-table.ts";

type Fallback = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
type NodeReq = Parameters<Fallback>[0];
type NodeRes = Parameters<Fallback>[1];

/** Response header a handler sets to pick a documented non-200 success status; consumed and stripped. */
export const HTTP_STATUS_HEADER = "x-patchbay-http-status";
/** Header carrying the short operator-safe error message on every REST error (seed 000). */
export const ERROR_HEADER = "x-patchbay-error";
/** The path prefix the bridge answers. */
export const REST_PREFIX = "/api/";

/** Options for {@link createRestBridge}. */
export interface RestBridgeOptions {
  /** The Connect router's handlers; the bridge calls them, so every interceptor applies. */
  handlers: readonly (UniversalHandler & { method: DescMethod })[];
  /** Services whose `google.api.http` rules are routed. */
  services: readonly DescService[];
  /** Largest request body; larger is 413. */
  maxBodyBytes: number;
  /** Requests refused before they reach a handler are logged here (handled ones by the interceptors). */
  logger: Logger;
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
  BRIDGE_MARKER_HEADER,
]);
const DROP_RESPONSE =
  /^(content-type|content-length|content-encoding|connect-.*|grpc-.*|x-patchbay-http-status)$/;
const CODE_BY_NAME = new Map(
  Object.values(Code)
    .filter((c): c is Code => typeof c === "number")
    .map((c) => [Code[c].replace(/[A-Z]/g, (ch, i: number) => (i === 0 ? ch : `_${ch}`).toLowerCase()), c]),
);

/** Makes a header value safe: one line of printable ASCII, at most 200 characters. */
function headerSafe(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, " ").trim();
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

function writeJson(res: NodeRes, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader("content-type", "application/json");
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(text);
}

function writeError(
  res: NodeRes,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): void {
  const headers: Record<string, string> = { ...extra, [ERROR_HEADER]: headerSafe(message) };
  if (status === 401) headers["www-authenticate"] = 'Bearer realm="patchbay"';
  writeJson(res, status, { code, message, details: [] }, headers);
}

async function readBody(req: NodeReq, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit)
    throw new BridgeError(413, "resource_exhausted", `the request body exceeds ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit)
      throw new BridgeError(413, "resource_exhausted", `the request body exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

async function collect(body: AsyncIterable<Uint8Array> | undefined): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function isJsonType(contentType: string): boolean {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "" || type === "application/json" || type.endsWith("+json");
}

/**
 * Refuses, at start-up, a rule that binds a field the request lacks, a repeated or map field (the spec
 * forbids it), or a body field that is not a top-level field.
 */
function checkBinding(binding: HttpBinding): void {
  const input = binding.method.input;
  const where = `${binding.method.parent.typeName}.${binding.method.name} (${binding.template.source})`;
  for (const variable of binding.template.variables) {
    const resolved = resolveFieldPath(input, variable.fieldPath);
    if (resolved === undefined)
      throw new Error(`${where}: path variable ${variable.fieldPath.join(".")} is not a field`);
    if (resolved.field.fieldKind === "list" || resolved.field.fieldKind === "map") {
      throw new Error(`${where}: path variable ${variable.fieldPath.join(".")} is repeated or a map`);
    }
  }
  if (binding.body !== "" && binding.body !== "*" && !input.fields.some((f) => f.name === binding.body)) {
    throw new Error(`${where}: body field ${binding.body} is not a top-level field`);
  }
}

/**
 * The REST/JSON bridge: routes `/api/…` requests by the `google.api.http` rules read from the
 * descriptors, turns each into the RPC's request message (proto3 JSON), calls the same Connect handler
 * a Connect client would reach (interceptors included), and writes the answer as REST: the response
 * message or its `response_body` field, raw bytes for `google.api.HttpBody`, and errors as the Connect
 * JSON error with the shared Code → HTTP status table and the `x-patchbay-error` header.
 */
export function createRestBridge(options: RestBridgeOptions): {
  handle: (req: NodeReq, res: NodeRes) => void;
} {
  const table = createRouteTable(collectBindings(options.services));
  for (const binding of table.bindings) checkBinding(binding);
  const handlers = new Map(options.handlers.map((h) => [h.method, h]));
  const successStatuses = new Map<DescMethod, readonly number[]>();
  for (const binding of table.bindings) {
    const method = binding.method;
    successStatuses.set(method, hasOption(method, rest) ? getOption(method, rest).successStatuses : []);
  }

  async function serve(req: NodeReq, res: NodeRes): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = table.match(req.method ?? "GET", url.pathname);
    if (route.kind === "not-found") throw new BridgeError(404, "not_found", "no REST route for this path");
    if (route.kind === "method-not-allowed") {
      throw new BridgeError(
        405,
        "unimplemented",
        `method not allowed; this path accepts ${route.allow.join(", ")}`,
        {
          allow: route.allow.join(", "),
        },
      );
    }
    const { binding } = route.match;
    const handler = handlers.get(binding.method);
    if (handler === undefined) throw new BridgeError(501, "unimplemented", "this operation is not served");
    const contentType = String(req.headers["content-type"] ?? "");
    const raw = isRawBody(binding.method.input, binding.body);
    const body =
      binding.body === "" && req.method === "GET"
        ? new Uint8Array(0)
        : await readBody(req, options.maxBodyBytes);
    if (!raw && body.byteLength > 0 && !isJsonType(contentType)) {
      throw new BridgeError(415, "invalid_argument", "the request body must be application/json");
    }
    const json = buildRequestJson({ match: route.match, query: url.searchParams, body, contentType });

    const header = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || name.startsWith(":") || DROP_REQUEST.has(name)) continue;
      header.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    header.set("content-type", "application/json");
    header.set(BRIDGE_MARKER_HEADER, "1");
    const abort = new AbortController();
    res.once("close", () => abort.abort());
    const host = String(req.headers.host ?? req.headers[":authority"] ?? "localhost");
    const uReq: UniversalServerRequest = {
      httpVersion: req.httpVersion,
      url: `http://${host}${req.url ?? "/"}`,
      method: "POST",
      header,
      body: json as UniversalServerRequest["body"],
      signal: abort.signal,
    };
    const uRes = await handler(uReq);
    const bytes = await collect(uRes.body);
    const headers: Record<string, string> = {};
    // Connect sends unary trailers as `trailer-` headers; REST has no trailers, so they become headers.
    let requested = 200;
    uRes.header?.forEach((value, rawName) => {
      const name = rawName.startsWith("trailer-") ? rawName.slice(8) : rawName;
      if (name === HTTP_STATUS_HEADER) requested = Number(value);
      else if (!DROP_RESPONSE.test(name)) headers[name] = value;
    });

    if (uRes.status !== 200) {
      const error = JSON.parse(bytes.toString("utf8") || "{}") as {
        code?: string;
        message?: string;
        details?: unknown[];
      };
      const code = error.code ?? "unknown";
      const status = httpStatusOf(CODE_BY_NAME.get(code) ?? Code.Unknown);
      headers[ERROR_HEADER] = headerSafe(error.message ?? code);
      if (status === 401) headers["www-authenticate"] = 'Bearer realm="patchbay"';
      writeJson(res, status, { code, message: error.message ?? "", details: error.details ?? [] }, headers);
      return;
    }
    const status = successStatuses.get(binding.method)?.includes(requested) ? requested : 200;
    const responseField = binding.responseBody;
    const output = binding.method.output;
    const rawField =
      responseField === "" ? output.typeName === "google.api.HttpBody" : isRawBody(output, responseField);
    if (responseField === "" && !rawField) {
      res.statusCode = status;
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      res.setHeader("content-type", "application/json");
      res.setHeader("content-length", bytes.byteLength);
      res.end(bytes);
      return;
    }
    const message = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
    const jsonName = output.fields.find((f) => f.name === responseField)?.jsonName ?? responseField;
    const picked = responseField === "" ? message : message[jsonName];
    if (rawField) {
      const httpBody = (picked ?? {}) as { contentType?: string; data?: string };
      const data = Buffer.from(httpBody.data ?? "", "base64");
      res.statusCode = status;
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      res.setHeader("content-type", httpBody.contentType || "application/octet-stream");
      res.setHeader("content-length", data.byteLength);
      res.end(data);
      return;
    }
    writeJson(res, status, picked ?? null, headers);
  }

  return {
    handle(req, res) {
      const started = performance.now();
      serve(req, res).catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        // Refused before any handler ran, so no interceptor wrote the request's log line: write it here.
        const reqId = requestIdFrom(String(req.headers["x-request-id"] ?? "") || null);
        const durationMs = Math.round((performance.now() - started) * 100) / 100;
        if (error instanceof BridgeError) {
          options.logger.info(
            { reqId, protocol: "rest", code: error.code, status: error.status, durationMs },
            "request refused",
          );
          writeError(res, error.status, error.code, error.message, {
            ...error.headers,
            "x-request-id": reqId,
          });
        } else {
          options.logger.error(
            { reqId, protocol: "rest", code: "internal", err: error, durationMs },
            "REST bridge failed",
          );
          writeError(res, 500, "internal", `internal error (request ${reqId})`, { "x-request-id": reqId });
        }
      });
    },
  };
}
