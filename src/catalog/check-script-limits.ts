import { toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type ScriptLimits,
  type ScriptLimitsJson,
  ScriptLimitsSchema,
} from "../../gen/patchbay/v1/catalog_pb.ts";
import { MAX_SCRIPT_MEMORY_MB } from "../connectors/script/index.ts";

const MIB = 1024 * 1024;

/** Allowed range per limit (the defaults live with the sandbox: DEFAULT_SCRIPT_LIMITS). */
const RANGES: Readonly<Record<keyof ScriptLimitsJson, readonly [min: number, max: number]>> = {
  memoryMb: [8, MAX_SCRIPT_MEMORY_MB],
  cpuMs: [1, 60_000],
  wallMs: [1, 300_000],
  httpCalls: [1, 1_000],
  responseBytes: [1, 50 * MIB],
};

// Every ScriptLimits field has a range: RANGES is keyed by the generated JSON type.
const isLimit = (name: string): name is keyof ScriptLimitsJson => Object.hasOwn(RANGES, name);

/**
 * A request's script limits as the proto JSON the catalog stores: zero fields (the defaults) left out,
 * the rest checked against their ranges. Undefined or all-zero → null.
 */
export function checkScriptLimits(message: ScriptLimits | undefined): ScriptLimitsJson | null {
  if (message === undefined) return null;
  for (const field of ScriptLimitsSchema.fields) {
    if (!isLimit(field.localName)) continue;
    const value = message[field.localName];
    const [min, max] = RANGES[field.localName];
    if (value !== 0 && (value < min || value > max)) {
      throw new ConnectError(
        `script_limits.${field.name} must be from ${min} to ${max} (0 for the default)`,
        Code.InvalidArgument,
      );
    }
  }
  const stored = toJson(ScriptLimitsSchema, message);
  return Object.keys(stored).length === 0 ? null : stored;
}
