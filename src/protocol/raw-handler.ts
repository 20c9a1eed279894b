import type { DescMethod } from "@bufbuild/protobuf";
import type { NodeReq } from "./node-types.ts";

/** A request the REST bridge routed to a {@link RawHandler}. */
export interface RawRequest {
  /** The HTTP request, for its headers and URL; its body has been read into {@link body}. */
  readonly req: NodeReq;
  /** The whole body, read under the bridge's size limit (a larger one was refused with 413). */
  readonly body: Uint8Array;
  /** The rule's path variables in template order, as the path spells them (it has no percent-escape). */
  readonly pathValues: readonly string[];
  /** The request's id: the answer's `x-request-id` and its log line carry it. */
  readonly requestId: string;
}

/** A raw handler's answer on success. */
export interface RawReply {
  /** 200, or a success status the method declares in `(patchbay.v1.rest).success_statuses` (204: no body). */
  readonly status: number;
  /** "" is sent as `application/octet-stream`. */
  readonly contentType: string;
  readonly body: Uint8Array;
}

/**
 * An RPC's REST binding served straight from the HTTP request, for a hot path on which the bridge's
 * conversion (body to Connect JSON, the Connect handler, and back) costs too much. The bridge keeps its
 * contract: the route comes from the method's `google.api.http` rule; the body limit, the request id,
 * the error body with `x-patchbay-error` and the request log line are the bridge's. Failures are thrown
 * as `ConnectError` (anything else answers `internal`). No interceptor runs, so the method must be one
 * that needs none (a public one). Its Connect handler still serves gRPC and Connect clients, and REST
 * URLs with percent-escapes, whose decoding rules are the bridge's.
 */
export interface RawHandler {
  /** The RPC; its `google.api.http` rule routes requests here. */
  readonly method: DescMethod;
  serve(request: RawRequest): Promise<RawReply>;
}
