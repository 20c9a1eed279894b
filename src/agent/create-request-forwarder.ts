import { create } from "@bufbuild/protobuf";
import { type Dispatcher, EnvHttpProxyAgent } from "undici";
import {
  type AgentMessage,
  AgentMessageSchema,
  type HttpRequest,
  RequestFailed_Reason,
} from "../../gen/patchbay/agent/v1/agent_pb.ts";
import type { ResolveHost } from "../outbound/index.ts";
import type { AgentEgress } from "./agent-egress.ts";
import { AgentEgressError } from "./agent-egress-error.ts";
import { createAgentLookup } from "./agent-lookup.ts";
import { checkAgentTarget } from "./check-agent-target.ts";
import type { ProxySettings } from "./proxy-settings.ts";
import { RequestFailure } from "./request-failure.ts";
import { sendResponse } from "./send-response.ts";

/** Options of {@link createRequestForwarder}. */
export interface RequestForwarderOptions {
  readonly egress: AgentEgress;
  /** Name resolution (every address of a name). */
  readonly resolve: ResolveHost;
  readonly proxy: ProxySettings;
  /** Largest body slice per message, in bytes. */
  readonly chunkBytes: number;
}

/** How one request ended: the upstream status, or the failure sent (or, canceled, not sent). */
export type ForwardOutcome = { readonly status: number } | { readonly failed: RequestFailed_Reason };

/** Makes the HTTP requests Patchbay sends, under the agent's egress policy. */
export interface RequestForwarder {
  /**
   * Makes one request and sends its answer (ResponseHead and BodyChunks, or RequestFailed) through
   * `send`, awaiting it for backpressure. `cancel` aborting sends nothing more (Patchbay expects nothing).
   * Never throws; answers the status, or the failure reason.
   */
  forward(
    request: HttpRequest,
    maxBodyBytes: number,
    send: (message: AgentMessage) => Promise<void>,
    cancel: AbortSignal,
  ): Promise<ForwardOutcome>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

// Hop-by-hop headers and those the client computes itself; never forwarded.
const DROPPED = new Set([
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "content-length",
  "proxy-connection",
  "proxy-authorization",
]);

/** The failure a request error stands for; its cause (which may hold the URL) is not kept. */
function classify(error: unknown, target: string): RequestFailure {
  if ((error as { code?: unknown }).code === "UND_ERR_INVALID_ARG") {
    return new RequestFailure(RequestFailed_Reason.INVALID, "a header or the method is malformed");
  }
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof AgentEgressError) {
      return new RequestFailure(RequestFailed_Reason.EGRESS_REFUSED, `${target} resolves outside --allow`);
    }
  }
  return new RequestFailure(RequestFailed_Reason.UNREACHABLE, `${target} could not be reached`);
}

/** Builds the {@link RequestForwarder}: one proxy-aware connection pool per target port. */
export function createRequestForwarder(options: RequestForwarderOptions): RequestForwarder {
  const { egress, proxy, chunkBytes } = options;
  const pools = new Map<number, Dispatcher>();
  // The socket lookup checks addresses per port, so each target port has its own pool.
  const poolFor = (port: number) => {
    let pool = pools.get(port);
    if (pool === undefined) {
      pool = new EnvHttpProxyAgent({
        // Empty rather than absent: undici would read the process environment itself otherwise.
        httpProxy: proxy.httpProxy ?? "",
        httpsProxy: proxy.httpsProxy ?? "",
        noProxy: proxy.noProxy ?? "",
        connect: { lookup: createAgentLookup(egress, port, options.resolve) },
      });
      pools.set(port, pool);
    }
    return pool;
  };

  return {
    async forward(request, maxBodyBytes, send, cancel) {
      const timeout = new AbortController();
      const timer =
        request.deadlineMs > 0 ? setTimeout(() => timeout.abort(), request.deadlineMs) : undefined;
      const signal = AbortSignal.any([cancel, timeout.signal]);
      const progress = { headSent: false };
      try {
        const { url, port } = checkAgentTarget(request, egress, proxy);
        const headers: string[] = [];
        for (const { name, value } of request.headers) {
          if (!DROPPED.has(name.toLowerCase())) headers.push(name, value);
        }
        let answer: Dispatcher.ResponseData;
        try {
          answer = await poolFor(port).request({
            origin: url.origin,
            path: `${url.pathname}${url.search}`,
            method: request.method,
            headers,
            body: request.body.length > 0 ? Buffer.from(request.body) : null,
            signal,
          });
        } catch (error) {
          throw signal.aborted ? error : classify(error, `${url.hostname}:${port}`);
        }
        await sendResponse(request.id, answer, { maxBodyBytes, chunkBytes }, send, progress);
        return { status: answer.statusCode };
      } catch (error) {
        if (cancel.aborted) return { failed: RequestFailed_Reason.CANCELED };
        const failure =
          error instanceof RequestFailure
            ? error
            : timeout.signal.aborted
              ? new RequestFailure(RequestFailed_Reason.TIMEOUT, `no answer within ${request.deadlineMs} ms`)
              : new RequestFailure(
                  RequestFailed_Reason.UNREACHABLE,
                  progress.headSent ? "the response body was cut" : "the target could not be reached",
                );
        const { reason, message } = failure;
        await send(
          create(AgentMessageSchema, {
            kind: { case: "requestFailed", value: { requestId: request.id, reason, message } },
          }),
        );
        return { failed: reason };
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close().catch(() => {})));
      pools.clear();
    },
  };
}
