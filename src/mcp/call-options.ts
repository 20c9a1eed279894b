import { Code, ConnectError } from "@connectrpc/connect";

/**
 * The `_meta` keys of a `tools/call` request that carry Execute's `metadata`: namespaced with a prefix
 * of ours, as MCP's `_meta` naming rules ask (`<labels separated by dots>/<name>`).
 */
export const IDEMPOTENCY_KEY_META = "patchbay.dev/idempotencyKey";
export const TIMEOUT_MS_META = "patchbay.dev/timeoutMs";

/** Execute's limit on `metadata.idempotency_key` (execute.proto). */
const MAX_IDEMPOTENCY_KEY = 128;
/** `metadata.timeout_ms` is a uint32; the server clamps what it allows (15 minutes) as Execute does. */
const MAX_UINT32 = 2 ** 32 - 1;

/** How a connector tool call runs: Execute's idempotency key ("" for none) and time budget (0: default). */
export interface CallOptions {
  readonly idempotencyKey: string;
  readonly timeoutMs: number;
}

/**
 * Reads a connector tool call's options from the request's `_meta`. A value of the wrong type or out of
 * range is INVALID_ARGUMENT naming the key; absent keys are Execute's defaults.
 */
export function callOptionsOf(meta: Record<string, unknown> | undefined): CallOptions {
  const key = meta?.[IDEMPOTENCY_KEY_META];
  const timeout = meta?.[TIMEOUT_MS_META];
  if (key !== undefined && (typeof key !== "string" || key.length > MAX_IDEMPOTENCY_KEY)) {
    throw new ConnectError(
      `_meta["${IDEMPOTENCY_KEY_META}"] must be a string of at most ${MAX_IDEMPOTENCY_KEY} characters`,
      Code.InvalidArgument,
    );
  }
  if (
    timeout !== undefined &&
    (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 0 || timeout > MAX_UINT32)
  ) {
    throw new ConnectError(
      `_meta["${TIMEOUT_MS_META}"] must be a whole number of milliseconds (0 for the server default)`,
      Code.InvalidArgument,
    );
  }
  return { idempotencyKey: key ?? "", timeoutMs: timeout ?? 0 };
}
