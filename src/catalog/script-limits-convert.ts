import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type ScriptLimits, ScriptLimitsSchema } from "../../gen/patchbay/v1/catalog_pb.ts";
import type { StoredScriptLimits } from "./connector-entity.ts";

const MIB = 1024 * 1024;

/** Allowed range per limit (the defaults live with the sandbox: DEFAULT_SCRIPT_LIMITS). */
const RANGES: Readonly<Record<keyof StoredScriptLimits, readonly [field: string, min: number, max: number]>> =
  {
    memoryMb: ["memory_mb", 8, 512],
    cpuMs: ["cpu_ms", 1, 60_000],
    wallMs: ["wall_ms", 1, 300_000],
    httpCalls: ["http_calls", 1, 1_000],
    responseBytes: ["response_bytes", 1, 50 * MIB],
  };

/**
 * The stored form of a request's script limits: zero fields dropped (defaults), the rest checked
 * against their ranges. Undefined or all-zero → null.
 */
export function toStoredScriptLimits(message: ScriptLimits | undefined): StoredScriptLimits | null {
  if (message === undefined) return null;
  const stored: StoredScriptLimits = {};
  for (const [key, [field, min, max]] of Object.entries(RANGES) as [
    keyof StoredScriptLimits,
    (typeof RANGES)[keyof StoredScriptLimits],
  ][]) {
    const value = message[key];
    if (value === 0) continue;
    if (value < min || value > max) {
      throw new ConnectError(
        `script_limits.${field} must be from ${min} to ${max} (0 for the default)`,
        Code.InvalidArgument,
      );
    }
    stored[key] = value;
  }
  return Object.keys(stored).length === 0 ? null : stored;
}

/** The API form of stored limits (zero for a default). */
export function toScriptLimitsMessage(stored: StoredScriptLimits | null | undefined): ScriptLimits {
  return create(ScriptLimitsSchema, { ...(stored ?? {}) });
}
