/** An outbound HTTP response, body parsed as JSON when it is JSON. */
export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Options for {@link outboundRequest}. */
export interface OutboundRequestInit {
  method: string;
  headers?: Record<string, string>;
  /** Strings are sent as-is; anything else as JSON. */
  body?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The one function every connector calls out through. This version is plain `fetch` with a timeout; the
 * execute capability replaces its body with the SSRF-safe client (address policy, pinned DNS, redirect
 * checks, size cap) without changing callers. Until then no RPC runs connector commands.
 */
export async function outboundRequest(url: string, init: OutboundRequestInit): Promise<OutboundResponse> {
  const timeout = AbortSignal.timeout(init.timeoutMs ?? 30_000);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  const headers = { ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined && init.body !== null) {
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    if (typeof init.body !== "string") headers["content-type"] ??= "application/json";
  }
  const res = await fetch(url, {
    method: init.method,
    headers,
    ...(body !== undefined ? { body } : {}),
    signal,
    redirect: "manual",
  });
  const text = await res.text();
  const type = res.headers.get("content-type") ?? "";
  let parsed: unknown = text;
  if (/json/i.test(type) && text !== "") {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, headers: Object.fromEntries(res.headers), body: parsed };
}
