import { decodeUtf8 } from "./utf8.ts";

/** A parsed JSON object (not an array, not a primitive). */
export type JsonObject = Record<string, unknown>;

/**
 * Levels of objects and arrays a webhook body may nest, its top level the first (docs/webhooks.md). Not
 * the API's 64: a payload is read back inside ClaimJobsResponse → ClaimedJob → WebhookEvent → Struct, two
 * protobuf messages per JSON level (Value, then Struct or ListValue), and the usual protobuf decoders
 * (protobuf-es, C++, Java, Python) stop at 100 levels of messages: past about 48 JSON levels a binary gRPC
 * consumer could not decode the batch holding that event. 32 leaves room; real payloads nest about 10.
 */
const MAX_PAYLOAD_DEPTH = 32;

/**
 * Parses UTF-8 bytes or a string as a JSON object; undefined for invalid JSON, any other JSON value, or
 * one that nests deeper than {@link MAX_PAYLOAD_DEPTH} levels.
 */
export function parseJsonObject(source: Uint8Array | string): JsonObject | undefined {
  const text = typeof source === "string" ? source : decodeUtf8(source);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  // JSON.parse takes any depth, but the receiver's JSON.stringify of the payload (and every later reader)
  // overflows the stack on a signed body of a few thousand levels: a 500 the provider retries forever.
  // Checked on the parsed value, not the text: a walk of the tree costs a few per cent of JSON.parse on a
  // real 22 KB GitHub payload, a scan of the text (to refuse before parsing) a quarter.
  return nestsDeeper(value, 1) ? undefined : asObject(value);
}

/**
 * Whether `value`, an object or array at `level`, or anything below it lies deeper than
 * MAX_PAYLOAD_DEPTH. It stops at the first level past the limit: MAX_PAYLOAD_DEPTH + 1 frames at most.
 */
function nestsDeeper(value: unknown, level: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (level > MAX_PAYLOAD_DEPTH) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (nestsDeeper(value[i], level + 1)) return true;
    return false;
  }
  const object = value as JsonObject;
  for (const key in object) if (nestsDeeper(object[key], level + 1)) return true;
  return false;
}

/** The value when it is a plain object, else undefined. */
export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

/** The value when it is a non-empty string, else undefined. */
export function asString(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}
