import { fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  DescribeResponseSchema,
  ExecuteRequestSchema,
  ExecuteResponseSchema,
} from "../../../gen/patchbay/connector/v1/connector_pb.ts";
import type { OutboundClient } from "../../outbound/outbound-client.ts";
import { codeName } from "../../protocol/errors.ts";
import { httpStatusOf } from "../../protocol/http-status.ts";
import type { NodeReq as Req, NodeRes as Res } from "../../protocol/node-types.ts";
import type { ConnectorDefinition, ConnectorLogger } from "../define/define-connector.ts";
import { describeConnector } from "./describe-connector.ts";
import { operatorText } from "./operator-text.ts";
import { CONNECTOR_ERROR_HEADER } from "./protocol.ts";
import { runExecute } from "./run-execute.ts";

/** Options for {@link createHttpProtocolHandler}. */
export interface HttpProtocolOptions {
  /** Largest `POST /execute` body, in bytes. */
  maxBodyBytes: number;
  /** Connector log lines; discarded when absent. */
  logger?: ConnectorLogger | undefined;
  /** The outbound client handlers call out through (`context.outbound`). */
  outbound: OutboundClient;
}

function send(res: Res, status: number, body: unknown, failure?: string): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.setHeader("cache-control", "no-store");
  if (failure !== undefined) res.setHeader(CONNECTOR_ERROR_HEADER, operatorText(failure));
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(text);
}

function sendError(res: Res, error: ConnectError): void {
  send(
    res,
    httpStatusOf(error.code),
    { code: codeName(error.code), message: error.rawMessage },
    error.rawMessage,
  );
}

async function readBody(req: Req, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new ConnectError(`request body over ${limit} bytes`, Code.ResourceExhausted);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function execute(definition: ConnectorDefinition, req: Req, res: Res, options: HttpProtocolOptions) {
  const text = await readBody(req, options.maxBodyBytes);
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch {
    throw new ConnectError("request body is not JSON", Code.InvalidArgument);
  }
  let request: ReturnType<typeof fromJson<typeof ExecuteRequestSchema>>;
  try {
    // Unknown fields are ignored: a newer Patchbay may send fields this connector does not know yet.
    request = fromJson(ExecuteRequestSchema, json, { ignoreUnknownFields: true });
  } catch {
    throw new ConnectError("request body is not an ExecuteRequest", Code.InvalidArgument);
  }
  const gone = new AbortController();
  res.once("close", () => gone.abort());
  const response = await runExecute(definition, request, {
    signal: gone.signal,
    logger: options.logger,
    outbound: options.outbound,
  });
  const body = { success: response.success, ...(toJson(ExecuteResponseSchema, response) as object) };
  if (response.success) send(res, 200, body);
  else send(res, 422, body, response.error || "command failed");
}

/**
 * The plain HTTP protocol 2.0 for one definition: `POST /execute` (200 on success, 422 with
 * `x-connector-error` on a command failure, 4xx for a bad request), `GET /schema`, `GET /health`;
 * a JSON 404 for anything else.
 */
export function createHttpProtocolHandler(
  definition: ConnectorDefinition,
  options: HttpProtocolOptions,
): (req: Req, res: Res) => void {
  const schema = toJson(DescribeResponseSchema, describeConnector(definition));
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const read = req.method === "GET" || req.method === "HEAD";
    if (path === "/health" && read) return send(res, 200, { status: "ok" });
    if (path === "/schema" && read) return send(res, 200, schema);
    if (path === "/execute" && req.method === "POST") {
      execute(definition, req, res, options).catch((error: unknown) => {
        if (res.headersSent) return;
        if (error instanceof ConnectError) return sendError(res, error);
        options.logger?.error("execute failed", { error: String(error) });
        sendError(res, new ConnectError("internal error", Code.Internal));
      });
      return;
    }
    if (path === "/execute" || path === "/schema" || path === "/health") {
      return sendError(res, new ConnectError("method not allowed", Code.Unimplemented));
    }
    sendError(res, new ConnectError("no such route", Code.NotFound));
  };
}
