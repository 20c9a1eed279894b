import { type DescMessage, fromJson, type JsonValue, type MessageShape } from "@bufbuild/protobuf";
import { compressionNegotiate } from "@connectrpc/connect/protocol";
import { contentTypeUnaryJson } from "@connectrpc/connect/protocol-connect";
import { type KeyRefusal, keyRefusalKey } from "../../auth/index.ts";
import { BRIDGE_MARKER_HEADER } from "../../protocol/headers.ts";
import { protocolOf } from "../../protocol/request-info.ts";
import { clampTimeout } from "../edge/clamp-timeout.ts";
import { type ConnectAnswer, connectAnswer, connectErrorOf } from "./connect-answer.ts";
import type { FastMethod } from "./fast-method.ts";
import { adopt, type CallOpener, type ClientWatch } from "./open-call.ts";
import { CONNECT_JSON_WIRE } from "./unary-wire.ts";

/** A REST bridge call: what the bridge would give Connect's handler, and the REST exchange it answers. */
export interface BridgedRequest {
  /** The URL Connect's handler would be given (the REST path and query). */
  readonly url: string;
  /** The request headers the bridge forwards, its marker included; a deadline in them is clamped in place. */
  readonly header: Headers;
  /** The request message as proto3 JSON, as the bridge built it. */
  readonly json: unknown;
  /** A client that goes away before the answer is complete cancels the call. */
  readonly client: ClientWatch;
  /** The call's key was refused before its body was read: the auth interceptor answers with this. */
  readonly refused?: KeyRefusal | undefined;
}

/**
 * Runs a REST bridge call of one procedure and answers as Connect's unary handler would for the same
 * request with the JSON value as its body (status, headers with trailers muxed in, body); undefined when the
 * call is not one it runs exactly as Connect does, which the bridge then hands to Connect's handler.
 */
export type BridgedUnary = (request: BridgedRequest) => Promise<ConnectAnswer> | undefined;

// What a bridged call's signal says when the client goes away: the reason the bridge's abort gives
// Connect's handler (an AbortError without a message of its own).
function bridgeClientLeft(): unknown {
  return new DOMException("This operation was aborted", "AbortError");
}

/**
 * A REST bridge call, run as Connect's unary handler runs a Connect JSON call whose body is the JSON value
 * the bridge built (what the procedure edge and Connect would do for it, without their stream
 * machinery); undefined for a call Connect would answer otherwise than by running the method (an
 * unknown request encoding, a malformed deadline, input it cannot convert): the bridge hands those to
 * the handler, which refuses them as before.
 */
export function runBridged(
  m: FastMethod,
  req: BridgedRequest,
  open: CallOpener,
  maxTimeoutMs: number,
): Promise<ConnectAnswer> | undefined {
  const start = performance.now();
  const { header } = req;
  if (header.get("content-type") !== contentTypeUnaryJson) return undefined;
  const compression = compressionNegotiate(
    m.options.acceptCompression,
    header.get("content-encoding"),
    header.get("accept-encoding"),
    "accept-encoding",
  );
  if (compression.error !== undefined) return undefined;
  let input: MessageShape<DescMessage>;
  try {
    // As Connect converts a request body that is already JSON: without the router's JSON options.
    input = fromJson(m.method.input, req.json as JsonValue);
  } catch {
    return undefined;
  }
  // The edge clamps the header in place before Connect reads it (the handler sees the clamped value).
  if (clampTimeout(header, false, maxTimeoutMs) !== undefined) return undefined;
  const timeoutHeader = header.get("connect-timeout-ms");
  const call = open(m, input, {
    requestHeader: header,
    protocol: protocolOf(header.get("content-type"), header.has(BRIDGE_MARKER_HEADER)),
    wire: CONNECT_JSON_WIRE,
    url: req.url,
    compression: compression.response,
    start,
    timeoutMs: timeoutHeader === null ? undefined : Number(timeoutHeader),
    client: req.client,
    left: bridgeClientLeft,
  });
  const { answer } = call;
  if (req.refused !== undefined) call.request.contextValues.set(keyRefusalKey, req.refused);
  return m.next(call.request).then(
    (response) => {
      adopt(response, answer);
      call.finish();
      let message: Uint8Array;
      try {
        message = m.serializeOutput(false, response.message);
      } catch (error) {
        // Larger than the write limit: answered as an error, as Connect does.
        return connectAnswer(answer, connectErrorOf(error), undefined);
      }
      return connectAnswer(answer, undefined, message);
    },
    (error: unknown) => {
      call.finish();
      return connectAnswer(answer, connectErrorOf(error), undefined);
    },
  );
}
