import { isIP } from "node:net";
import { type HttpRequest, RequestFailed_Reason } from "../../gen/patchbay/agent/v1/agent_pb.ts";
import type { AgentEgress } from "./agent-egress.ts";
import type { ProxySettings } from "./proxy-settings.ts";
import { RequestFailure } from "./request-failure.ts";

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Checks a request before anything is sent: an http(s) URL, a method token, and a target the egress policy
 * allows. An IP address is judged here (it needs no DNS); a host name is allowed here when listed by name,
 * and otherwise left to the socket lookup, which checks the addresses it connects to. Through a proxy the
 * proxy resolves names, so a name not listed by name is refused. Throws {@link RequestFailure}.
 */
export function checkAgentTarget(
  request: HttpRequest,
  egress: AgentEgress,
  proxy: ProxySettings,
): { url: URL; port: number } {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new RequestFailure(RequestFailed_Reason.INVALID, "the URL is not a valid absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RequestFailure(RequestFailed_Reason.INVALID, "the URL is not http or https");
  }
  if (!TOKEN.test(request.method)) {
    throw new RequestFailure(RequestFailed_Reason.INVALID, "the method is not an HTTP token");
  }
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  // As undici chooses: https targets use HTTPS_PROXY, else HTTP_PROXY; http targets use HTTP_PROXY.
  const proxied =
    (url.protocol === "https:" ? (proxy.httpsProxy ?? proxy.httpProxy) : proxy.httpProxy) !== undefined;
  const literal = isIP(host) !== 0;
  const allowed = egress.allowsName(host, port) || (literal ? egress.allowsAddress(host, port) : !proxied);
  if (!allowed) {
    throw new RequestFailure(RequestFailed_Reason.EGRESS_REFUSED, `${host}:${port} is outside --allow`);
  }
  return { url, port };
}
