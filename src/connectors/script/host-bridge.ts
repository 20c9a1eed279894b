import { parseLogFields } from "./log-fields.ts";
import type {
  ScriptHttpRequest,
  ScriptHttpResponse,
  ScriptLogLevel,
  ScriptRunOptions,
} from "./run-script-options.ts";
import type { ScriptLimits } from "./script-limits.ts";

/** Log lines one execution may emit before the rest are dropped (a logging loop must not flood the host). */
export const MAX_LOG_LINES = 1000;

/** Characters of one log message; longer messages are cut in the isolate. */
export const MAX_LOG_CHARS = 8192;

const LEVELS: ReadonlySet<string> = new Set(["trace", "debug", "info", "warn", "error"]);
const METHODS: ReadonlySet<string> = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** One execution's side of `patchbay.http` and `patchbay.log`; the isolate's router calls it. */
export interface HostBridge {
  /** Answers one `patchbay.http.*` call: a JSON request in, `{response}` or `{error, code}` JSON out. */
  http(payload: string): Promise<string>;
  /** Takes one `patchbay.log.*` line, with its fields as the isolate's bounded JSON copy (or undefined). */
  log(level: unknown, message: unknown, fields: unknown): void;
  /**
   * Milliseconds the host has spent working on this execution's calls: writing its log lines, reading its
   * HTTP requests and preparing their answers (not the wait for the network). The isolate's CPU time
   * leaves this out (its thread waits meanwhile), so the watchdog adds it to the CPU time.
   */
  hostMs(): number;
  /** Ends the execution: later calls are refused, running ones cancelled. */
  close(): void;
}

/** What {@link createHostBridge} needs. */
export interface HostBridgeOptions {
  readonly http: ScriptRunOptions["http"];
  readonly log: ScriptRunOptions["log"];
  readonly limits: ScriptLimits;
  /** Called once, when the script attempts one call more than `limits.httpCalls`. */
  onHttpLimit(): void;
}

/** Thrown inside the bridge; becomes an Error thrown at the script's call site. */
class BridgeError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Builds the host side of `patchbay.http` and `patchbay.log`. Both take and return only strings: the
 * isolate never receives a host object, and a host failure travels as `{error, code}` data rather than
 * a rejected promise (isolated-vm would carry the host stack, with file paths, into the isolate).
 */
export function createHostBridge(options: HostBridgeOptions): HostBridge {
  let calls = 0;
  let lines = 0;
  let open = true;
  // Aborted when the execution ends, cancelling its outbound calls; made on the first call only.
  let ended: AbortController | undefined;
  let inFlight = 0;
  let spentMs = 0;

  async function http(payload: string): Promise<string> {
    // Set while the host works for the call; the wait for the answer is not counted.
    let since: number | undefined = performance.now();
    try {
      if (!open) throw new BridgeError("the execution has ended");
      calls++;
      if (calls > options.limits.httpCalls) {
        options.onHttpLimit();
        throw new BridgeError(
          `HTTP call limit reached: at most ${options.limits.httpCalls} calls per execution`,
          "SCRIPT_HTTP_LIMIT",
        );
      }
      if (options.http === undefined) throw new BridgeError("HTTP is not available to this script");
      ended ??= new AbortController();
      inFlight++;
      let response: ScriptHttpResponse;
      try {
        const answer = options.http({ ...parseRequest(payload), signal: ended.signal });
        spentMs += performance.now() - since;
        since = undefined;
        response = await answer;
      } finally {
        inFlight--;
        since ??= performance.now();
      }
      return JSON.stringify({ response: responseForScript(response, options.limits.responseBytes) });
    } catch (error) {
      return JSON.stringify(failureForScript(error));
    } finally {
      if (since !== undefined) spentMs += performance.now() - since;
    }
  }

  function log(level: unknown, message: unknown, fields: unknown): void {
    const since = performance.now();
    try {
      write(level, message, fields);
    } finally {
      spentMs += performance.now() - since;
    }
  }

  function write(level: unknown, message: unknown, fields: unknown): void {
    if (!open || options.log === undefined || typeof level !== "string" || !LEVELS.has(level)) return;
    lines++;
    if (lines > MAX_LOG_LINES + 1) return;
    const [at, text, kept] =
      lines > MAX_LOG_LINES
        ? [
            "warn",
            `log limit reached: further messages of this execution are dropped (${MAX_LOG_LINES})`,
            undefined,
          ]
        : [level, String(message).slice(0, MAX_LOG_CHARS + 1), parseLogFields(fields)];
    try {
      options.log(at as ScriptLogLevel, text, kept);
    } catch {
      // A failing logger must not surface in the script (its error would carry host frames).
    }
  }

  return {
    http,
    log,
    hostMs: () => spentMs,
    close() {
      open = false;
      // Aborting builds a DOMException: only worth it when a call is still running.
      if (inFlight > 0) ended?.abort();
    },
  };
}

function parseRequest(payload: unknown): ScriptHttpRequest {
  const value: unknown = typeof payload === "string" ? JSON.parse(payload) : undefined;
  if (typeof value !== "object" || value === null) throw new BridgeError("malformed HTTP request");
  const { method, url, headers, body } = value as Record<string, unknown>;
  if (typeof method !== "string" || !METHODS.has(method) || typeof url !== "string") {
    throw new BridgeError("malformed HTTP request");
  }
  const request: ScriptHttpRequest = { method: method as ScriptHttpRequest["method"], url };
  if (typeof headers === "object" && headers !== null) {
    request.headers = Object.fromEntries(Object.entries(headers).map(([key, item]) => [key, String(item)]));
  }
  if (body !== undefined) request.body = body;
  return request;
}

function responseForScript(response: ScriptHttpResponse, maxBytes: number): ScriptHttpResponse {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(response.headers ?? {})) headers[key] = String(value);
  let body: unknown = response.body;
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) body = new TextDecoder().decode(body);
  const size =
    typeof body === "string" ? Buffer.byteLength(body) : Buffer.byteLength(JSON.stringify(body) ?? "");
  if (size > maxBytes) {
    throw new BridgeError(
      `HTTP response body of ${size} bytes exceeds the limit of ${maxBytes} bytes`,
      "TOO_LARGE",
    );
  }
  if (typeof body === "string" && isJson(headers)) body = parseOr(body);
  return { status: response.status, headers, body };
}

function isJson(headers: Record<string, string>): boolean {
  const type = Object.entries(headers).find(([key]) => key.toLowerCase() === "content-type")?.[1] ?? "";
  return /\bjson\b/i.test(type);
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function failureForScript(error: unknown): { error: string; code?: string } {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return {
    error: message.split("\n")[0] || "HTTP request failed",
    ...(typeof code === "string" ? { code } : {}),
  };
}
