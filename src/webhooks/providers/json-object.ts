import { decodeUtf8 } from "./utf8.ts";

/** A parsed JSON object (not an array, not a primitive). */
export type JsonObject = Record<string, unknown>;

/** Parses UTF-8 bytes or a string as a JSON object; undefined for invalid JSON or any other JSON value. */
export function parseJsonObject(source: Uint8Array | string): JsonObject | undefined {
  const text = typeof source === "string" ? source : decodeUtf8(source);
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return asObject(value);
  } catch {
    return undefined;
  }
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
