import type { Logger } from "../../logging/logger.ts";
import { codeFromName } from "../../protocol/errors.ts";
import { headerSafe } from "../../protocol/header-safe.ts";
import { ERROR_HEADER, HTTP_STATUS_HEADER, REQUEST_ID_HEADER } from "../../protocol/headers.ts";
import { httpStatusOf } from "../../protocol/http-status.ts";
import type { NodeRes } from "../../protocol/node-types.ts";
import { elapsedMs } from "../interceptors/log-request.ts";
import type { ConnectAnswer } from "../unary/connect-answer.ts";
import type { BridgeError } from "./bridge-error.ts";
import type { HttpBinding } from "./http-rules.ts";
import { isRawBody } from "./request-json.ts";

const DROP_RESPONSE = /^(content-type|content-length|content-encoding|connect-.*|grpc-.*)$/;

function send(
  res: NodeRes,
  status: number,
  headers: Record<string, string>,
  type: string,
  body: Uint8Array | string,
): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader("content-type", type);
  res.setHeader("content-length", typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);
  res.end(body);
}

/** Writes the REST error: `{code, message, details}`, the status of the code, `x-patchbay-error`. */
export function writeError(
  res: NodeRes,
  status: number,
  error: { code: string; message: string; details?: unknown[] },
  extra: Record<string, string> = {},
): void {
  const headers: Record<string, string> = {
    ...extra,
    // A message of non-ASCII text only leaves nothing: the code stands in.
    [ERROR_HEADER]: headerSafe(error.message) || error.code,
  };
  if (status === 401) headers["www-authenticate"] = 'Bearer realm="patchbay"';
  const body = { code: error.code, message: error.message, details: error.details ?? [] };
  send(res, status, headers, "application/json", JSON.stringify(body));
}

/**
 * Answers a request refused before any handler ran (so no interceptor logs it): one "request refused"
 * log line with the request id, code, status and duration, then the REST error.
 */
export function writeRefusal(
  res: NodeRes,
  logger: Logger,
  error: BridgeError,
  reqId: string,
  started: number,
): void {
  logger.info(
    { reqId, protocol: "rest", durationMs: elapsedMs(started), code: error.code, status: error.status },
    "request refused",
  );
  writeError(res, error.status, error, { ...error.headers, [REQUEST_ID_HEADER]: reqId });
}

/**
 * Writes a handler's Connect JSON answer as REST: the message or its `response_body` field, raw bytes
 * for `google.api.HttpBody`, a declared success status from `x-patchbay-http-status`, and errors with
 * the shared Code → HTTP table.
 */
export function writeRpcResponse(
  res: NodeRes,
  binding: HttpBinding,
  answer: ConnectAnswer,
  successStatuses: readonly number[],
): void {
  const bytes = Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength);
  const headers: Record<string, string> = {};
  let requested = 200;
  // Connect sends unary trailers as `trailer-` headers; REST has no trailers, so they become headers.
  answer.header.forEach((value, rawName) => {
    const name = rawName.startsWith("trailer-") ? rawName.slice(8) : rawName;
    if (name === HTTP_STATUS_HEADER) requested = Number(value);
    else if (!DROP_RESPONSE.test(name)) headers[name] = value;
  });

  if (answer.status !== 200) {
    const error = JSON.parse(bytes.toString("utf8") || "{}") as {
      code?: string;
      message?: string;
      details?: unknown[];
    };
    const code = error.code ?? "unknown";
    writeError(
      res,
      httpStatusOf(codeFromName(code)),
      { code, message: error.message ?? "", details: error.details ?? [] },
      headers,
    );
    return;
  }
  const status = successStatuses.includes(requested) ? requested : 200;
  const field = binding.responseBody;
  const output = binding.method.output;
  const raw = field === "" ? output.typeName === "google.api.HttpBody" : isRawBody(output, field);
  if (field === "" && !raw) {
    send(res, status, headers, "application/json", bytes);
    return;
  }
  const message = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
  const picked =
    field === "" ? message : message[output.fields.find((f) => f.name === field)?.jsonName ?? field];
  if (raw) {
    const httpBody = (picked ?? {}) as { contentType?: string; data?: string };
    send(
      res,
      status,
      headers,
      httpBody.contentType || "application/octet-stream",
      Buffer.from(httpBody.data ?? "", "base64"),
    );
    return;
  }
  send(res, status, headers, "application/json", JSON.stringify(picked ?? null));
}
