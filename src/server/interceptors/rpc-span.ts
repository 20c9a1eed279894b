import { Code, ConnectError, type StreamRequest, type UnaryRequest } from "@connectrpc/connect";
import { type Context, type Span, SpanKind } from "@opentelemetry/api";
import { codeName } from "../../protocol/errors.ts";
import { failSpan, type Tracing } from "../../tracing/index.ts";

/**
 * The server span of one call: child of the caller's `traceparent` (HTTP header or gRPC metadata, the
 * same header to Connect), named `package.Service/Method`, with the rpc.* attributes of the semantic
 * conventions. Nothing of the request's content is kept.
 */
export function startRpcSpan(
  tracing: Tracing,
  req: UnaryRequest | StreamRequest,
  protocol: string,
): { span: Span; context: Context } {
  const parent = tracing.extract((name) => req.header.get(name));
  return tracing.start(
    `${req.service.typeName}/${req.method.name}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        "rpc.system": protocol.startsWith("grpc") ? "grpc" : "connect_rpc",
        "rpc.service": req.service.typeName,
        "rpc.method": req.method.name,
        "patchbay.protocol": protocol,
      },
    },
    parent,
  );
}

/** Codes that are the server's failure (the semantic conventions' rule for gRPC server spans). */
const SERVER_FAILURES = new Set([
  Code.Unknown,
  Code.DeadlineExceeded,
  Code.Unimplemented,
  Code.Internal,
  Code.Unavailable,
  Code.DataLoss,
]);

/** Ends the call's span with its code (`ok`, or the error's code name only); server failures set its status. */
export function endRpcSpan(span: Span, error: unknown): void {
  const code = error === undefined ? undefined : error instanceof ConnectError ? error.code : Code.Internal;
  span.setAttribute("rpc.response.status_code", code === undefined ? "ok" : codeName(code));
  if (code !== undefined && SERVER_FAILURES.has(code)) failSpan(span, codeName(code));
  span.end();
}
