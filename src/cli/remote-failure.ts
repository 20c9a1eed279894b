import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/** What went wrong talking to the remote MCP endpoint, as the bridge acts on it. */
export interface RemoteFailure {
  /** One line for standard error, without the key. */
  line: string;
  /** Whether the bridge gives up (exit 1): nothing that follows can succeed. */
  fatal: boolean;
}

/** Where the failure happened, for the line. */
export interface RemoteFailureContext {
  /** The endpoint URL (it never carries credentials: `mcpEndpoint` refuses them). */
  endpoint: URL;
  /** The variable the key came from, named so the user knows which one to fix. */
  keyEnv: string;
  /** Whether the endpoint has answered before: a later outage may pass, a first one is a wrong URL. */
  reached: boolean;
}

/** The code of a network failure: fetch reports `TypeError("fetch failed")` with the socket error as cause. */
function networkCode(error: unknown): string | undefined {
  if (!(error instanceof TypeError) || !(error.cause instanceof Error)) return undefined;
  const code = "code" in error.cause ? error.cause.code : undefined;
  return typeof code === "string" ? code : error.cause.message;
}

/**
 * Turns an error of the SDK's Streamable HTTP client transport into the bridge's one line. A refused key
 * (HTTP 401) is fatal at any time, since no request will pass with it; an unreachable endpoint is fatal
 * until it has answered once (a wrong URL), and afterwards only fails the request (a restart in progress).
 */
export function describeRemoteFailure(error: unknown, context: RemoteFailureContext): RemoteFailure {
  const where = context.endpoint.href;
  if (error instanceof StreamableHTTPError && error.code === 401) {
    return {
      line: `${where} refused the API key in ${context.keyEnv} (HTTP 401); set it to a valid Patchbay API key`,
      fatal: true,
    };
  }
  if (error instanceof StreamableHTTPError && error.code === 403) {
    return {
      line: `${where} does not allow the key in ${context.keyEnv} this call (HTTP 403)`,
      fatal: false,
    };
  }
  if (error instanceof StreamableHTTPError && error.code !== undefined && error.code > 0) {
    return { line: `${where} answered HTTP ${error.code}`, fatal: false };
  }
  const code = networkCode(error);
  if (code !== undefined) return { line: `cannot reach ${where} (${code})`, fatal: !context.reached };
  const message = error instanceof Error ? error.message : String(error);
  return { line: `${where}: ${message}`, fatal: false };
}
