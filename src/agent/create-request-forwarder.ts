import { isIP } from "node:net";
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

/** Proxies for the outgoing requests (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), read once by the caller. */
export interface ProxySettings {
  readonly httpProxy?: string;
  readonly httpsProxy?: string;
  readonly noProxy?: string;
}

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
/** Response headers about this connection only; Patchbay frames the body itself. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "proxy-connection",
  "trailer",
  "te",
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

class Failure extends Error {
  readonly reason: RequestFailed_Reason;
  constructor(reason: RequestFailed_Reason, message: string) {
    super(message);
    this.reason = reason;
  }
}

function egressCause(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause)
    if (e instanceof AgentEgressError) return true;
  return false;
}

/** Builds the {@link RequestForwarder}: one proxy-aware connection pool per target port. */
export function createRequestForwarder(options: RequestForwarderOptions): RequestForwarder {
  const { egress, proxy, chunkBytes } = options;
  const pools = new Map<number, Dispatcher>();
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

  function check(request: HttpRequest): { url: URL; port: number } {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw new Failure(RequestFailed_Reason.INVALID, "the URL is not a valid absolute URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new Failure(RequestFailed_Reason.INVALID, "the URL is not http or https");
    if (!TOKEN.test(request.method))
      throw new Failure(RequestFailed_Reason.INVALID, "the method is not an HTTP token");
    const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    // As undici chooses: https targets use HTTPS_PROXY, else HTTP_PROXY; http targets use HTTP_PROXY.
    const proxied =
      (url.protocol === "https:" ? (proxy.httpsProxy ?? proxy.httpProxy) : proxy.httpProxy) !== undefined;
    const allowed =
      egress.allowsName(host, port) ||
      (isIP(host) !== 0 && egress.allowsAddress(host, port)) ||
      // A name allowed by address range is checked by the socket lookup on a direct connection; through
      // a proxy the proxy resolves it, so only names on the list by name go that way.
      (isIP(host) === 0 && !proxied);
    if (!allowed)
      throw new Failure(RequestFailed_Reason.EGRESS_REFUSED, `${host}:${port} is outside --allow`);
    return { url, port };
  }

  const failed = (requestId: string, reason: RequestFailed_Reason, message: string) =>
    create(AgentMessageSchema, { kind: { case: "requestFailed", value: { requestId, reason, message } } });

  return {
    async forward(request, maxBodyBytes, send, cancel) {
      const timeout = new AbortController();
      const timer =
        request.deadlineMs > 0 ? setTimeout(() => timeout.abort(), request.deadlineMs) : undefined;
      const signal = AbortSignal.any([cancel, timeout.signal]);
      let headSent = false;
      try {
        const { url, port } = check(request);
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
          if (signal.aborted) throw error;
          if ((error as { code?: unknown }).code === "UND_ERR_INVALID_ARG") {
            throw new Failure(RequestFailed_Reason.INVALID, "a header or the method is malformed");
          }
          if (egressCause(error))
            throw new Failure(
              RequestFailed_Reason.EGRESS_REFUSED,
              `${url.hostname}:${port} resolves outside --allow`,
            );
          throw new Failure(RequestFailed_Reason.UNREACHABLE, `${url.hostname}:${port} could not be reached`);
        }
        const declared = Number(answer.headers["content-length"]);
        const tooLarge = () =>
          new Failure(RequestFailed_Reason.TOO_LARGE, `the response body is over ${maxBodyBytes} bytes`);
        if (Number.isFinite(declared) && declared > maxBodyBytes) {
          answer.body.destroy();
          throw tooLarge();
        }
        const responseHeaders = Object.entries(answer.headers)
          .filter(([name]) => !HOP_BY_HOP.has(name))
          .flatMap(([name, value]) =>
            (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) => ({
              name,
              value: v,
            })),
          );
        const emit = async (data: Uint8Array, end: boolean) => {
          if (headSent) {
            await send(
              create(AgentMessageSchema, {
                kind: { case: "responseBody", value: { requestId: request.id, data, end } },
              }),
            );
          } else {
            headSent = true;
            await send(
              create(AgentMessageSchema, {
                kind: {
                  case: "responseHead",
                  value: {
                    requestId: request.id,
                    status: answer.statusCode,
                    headers: responseHeaders,
                    body: data,
                    end,
                  },
                },
              }),
            );
          }
        };
        let pending: Buffer = Buffer.alloc(0);
        let total = 0;
        for await (const piece of answer.body as AsyncIterable<Buffer>) {
          total += piece.length;
          if (total > maxBodyBytes) {
            answer.body.destroy();
            throw tooLarge();
          }
          pending = pending.length === 0 ? piece : Buffer.concat([pending, piece]);
          while (pending.length >= chunkBytes) {
            await emit(pending.subarray(0, chunkBytes), false);
            pending = pending.subarray(chunkBytes);
          }
        }
        await emit(pending, true);
        return { status: answer.statusCode };
      } catch (error) {
        if (cancel.aborted) return { failed: RequestFailed_Reason.CANCELED };
        const failure =
          error instanceof Failure
            ? error
            : timeout.signal.aborted
              ? new Failure(RequestFailed_Reason.TIMEOUT, `no answer within ${request.deadlineMs} ms`)
              : new Failure(
                  RequestFailed_Reason.UNREACHABLE,
                  headSent ? "the response body was cut" : "the target could not be reached",
                );
        await send(failed(request.id, failure.reason, failure.message));
        return { failed: failure.reason };
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
