import type { OutboundClient } from "../../outbound/index.ts";
import type { ScriptHttpRequest, ScriptHttpResponse } from "./run-script-options.ts";

/**
 * The sandbox processes' default `patchbay.http`: Patchbay's SSRF-safe outbound client, the one the
 * sandbox process built under the egress policy the service passed on (PATCHBAY_EGRESS_ALLOW). A module
 * used as `httpModule` exports a function of this shape named `scriptHttp`; the process calls it with its
 * own outbound client as the second argument.
 */
export function scriptHttp(
  request: ScriptHttpRequest,
  outbound: OutboundClient,
): Promise<ScriptHttpResponse> {
  return outbound.request(request.url, {
    method: request.method,
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.body !== undefined ? { body: request.body } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
}
