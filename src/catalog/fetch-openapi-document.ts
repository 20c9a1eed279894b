import { Code, ConnectError } from "@connectrpc/connect";
import { type EgressGuard, outboundErrorIn } from "../outbound/index.ts";

const MAX_REDIRECTS = 5;
/** A fetch that has not finished by then is a runaway (the size cap decides what is accepted). */
const FETCH_TIMEOUT_MS = 120_000;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function refused(message: string, code: Code = Code.InvalidArgument, cause?: unknown): ConnectError {
  return new ConnectError(`url: ${message}`, code, undefined, undefined, cause);
}

/** The refusal of a description over `maxBytes`, announced or streamed (the guard counts it). */
function tooLarge(maxBytes: number, cause?: unknown): ConnectError {
  return refused(
    `the description is larger than ${maxBytes} bytes (PATCHBAY_MAX_OPENAPI_BYTES)`,
    Code.ResourceExhausted,
    cause,
  );
}

/**
 * Fetches an OpenAPI description for ParseOpenApi's `url` source through the server's egress guard: the
 * URL and every redirect (at most 5) are checked against the egress policy, and the body is read up to
 * `maxBytes` (the guard counts it, unpacked), the same cap as a description sent in the request. A refusal
 * names the URL field and the reason, never the body.
 */
export async function fetchOpenApiDocument(
  guard: EgressGuard,
  url: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<string> {
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    throw refused("must be an absolute http(s) URL");
  const timeout = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
  const fetch = guard.withMaxResponseBytes(maxBytes).fetch;
  let target = url;
  try {
    for (let hops = 0; ; hops++) {
      const response = await fetch(target, {
        redirect: "manual",
        signal: combined,
        headers: { accept: "application/json, application/yaml, text/yaml, */*" },
      });
      const location = response.headers.get("location");
      if (REDIRECTS.has(response.status) && location !== null) {
        await response.body?.cancel();
        if (hops >= MAX_REDIRECTS) throw refused(`more than ${MAX_REDIRECTS} redirects`);
        target = new URL(location, target).toString();
        continue;
      }
      if (response.status < 200 || response.status > 299) {
        await response.body?.cancel();
        throw refused(`the server answered HTTP ${response.status}`, Code.FailedPrecondition);
      }
      return await response.text();
    }
  } catch (error) {
    if (error instanceof ConnectError) throw error;
    if (signal?.aborted) throw refused("the caller canceled the fetch", Code.Canceled, error);
    if (timeout.aborted)
      throw refused(`the fetch took longer than ${FETCH_TIMEOUT_MS / 1000} s`, Code.DeadlineExceeded, error);
    // fetch wraps what its connection's lookup threw (a refused address found by DNS) in a TypeError.
    const outbound = outboundErrorIn(error);
    if (outbound?.code === "TOO_LARGE") throw tooLarge(maxBytes, error);
    if (outbound !== undefined)
      throw refused(
        outbound.code === "EGRESS_REFUSED"
          ? "the egress policy refuses this address (PATCHBAY_EGRESS_ALLOW can allow it)"
          : outbound.message,
        Code.FailedPrecondition,
        error,
      );
    throw refused("the description could not be fetched", Code.Unavailable, error);
  }
}
