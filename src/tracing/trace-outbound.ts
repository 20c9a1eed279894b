import { type Context, SpanKind } from "@opentelemetry/api";
import { type OutboundClient, OutboundError } from "../outbound/index.ts";
import { failSpan, type Tracing } from "./tracing.ts";

/**
 * The client for one traced call: each request is a client span, child of `parent`, and carries its
 * `traceparent` to the upstream (a request the egress policy refuses is never sent, so neither is the
 * header). Attributes: method, host, port and status; never the path, query or headers.
 */
export function traceOutbound(client: OutboundClient, tracing: Tracing, parent: Context): OutboundClient {
  return {
    ...client,
    async request(url, init) {
      const method = init.method.toUpperCase();
      const target = URL.parse(url);
      const { span, context } = tracing.start(
        method,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            "http.request.method": method,
            ...(target === null
              ? {}
              : {
                  "server.address": target.hostname,
                  "server.port": Number(target.port || (target.protocol === "https:" ? 443 : 80)),
                }),
          },
        },
        parent,
      );
      const headers = { ...init.headers };
      tracing.inject(context, headers);
      try {
        const answer = await client.request(url, { ...init, headers });
        span.setAttribute("http.response.status_code", answer.status);
        if (answer.status >= 500) failSpan(span, String(answer.status));
        return answer;
      } catch (error) {
        failSpan(span, error instanceof OutboundError ? error.code : "CANCELED");
        throw error;
      } finally {
        span.end();
      }
    },
  };
}
