import type { JsonObject } from "../define/outcome.ts";

/**
 * Bounds on the structured fields a script passes to `patchbay.log.*(message, fields)`. The isolate
 * copies the fields within them (see {@link LOG_FIELDS_COPY}); the host checks the copy again.
 */
export const LOG_FIELD_LIMITS = Object.freeze({
  /**
   * Levels of objects below the fields object; a deeper object or array becomes "[too deep]". With the
   * fields under one `fields` key of the log line, three keeps every key within the depths the logger
   * redacts secrets by key (REDACT_PATHS: four levels).
   */
  depth: 3,
  /** Keys of one object (items of one array) copied; the rest are left out. */
  keys: 32,
  /** Characters of one string or key; longer ones are cut. */
  stringChars: 512,
  /** About this many characters of JSON in all: past it no more keys or items are copied. */
  totalChars: 8192,
});

/** Largest fields JSON the host accepts (escapes can make the copy longer than its budget). */
export const MAX_LOG_FIELDS_JSON = LOG_FIELD_LIMITS.totalChars * 4;

/**
 * In-isolate source of `logFieldsJson(value)`, spliced into the sandbox bootstrap (it uses the
 * bootstrap's captured `keys`, `defineProperty`, `isArray`, `stringify`, `text` and `cut`): a bounded
 * plain-data copy of what a script passed as log fields, as JSON, or undefined when it passed no plain
 * object or the copy failed (a throwing getter). Functions, symbols and undefined are left out; numbers
 * that JSON cannot hold and BigInts become strings. It runs on the script's own CPU budget.
 */
export const LOG_FIELDS_COPY = `function logFieldsJson(value) {
  const DEPTH = ${LOG_FIELD_LIMITS.depth};
  const KEYS = ${LOG_FIELD_LIMITS.keys};
  const CHARS = ${LOG_FIELD_LIMITS.stringChars};
  const MAX_JSON = ${MAX_LOG_FIELDS_JSON};
  if (typeof value !== "object" || value === null || isArray(value)) return undefined;
  let budget = ${LOG_FIELD_LIMITS.totalChars};
  function copy(item, depth) {
    switch (typeof item) {
      case "string": {
        const kept = cut(item, CHARS);
        budget -= kept.length + 2;
        return kept;
      }
      case "number": {
        const shown = text(item);
        budget -= shown.length;
        return item === item && item !== 1 / 0 && item !== -1 / 0 ? item : shown;
      }
      case "boolean":
        budget -= 5;
        return item;
      case "bigint": {
        const shown = text(item);
        budget -= shown.length + 2;
        return shown;
      }
      case "object":
        break;
      default:
        return undefined;
    }
    budget -= 4;
    if (item === null) return null;
    if (depth >= DEPTH) return "[too deep]";
    if (isArray(item)) {
      const list = [];
      const length = item.length;
      for (let i = 0; i < length && i < KEYS && budget > 0; i++) {
        const next = copy(item[i], depth + 1);
        list[list.length] = next === undefined ? null : next;
      }
      return list;
    }
    const copied = {};
    let count = 0;
    for (const key of keys(item)) {
      if (count >= KEYS || budget <= 0) break;
      count++;
      const next = copy(item[key], depth + 1);
      if (next === undefined) continue;
      const name = cut(key, CHARS);
      budget -= name.length + 3;
      // defineProperty: a key named __proto__ stays a key, never the copy's prototype.
      defineProperty(copied, name, { value: next, enumerable: true, writable: true, configurable: true });
    }
    return copied;
  }
  try {
    const json = stringify(copy(value, 0));
    return json.length > MAX_JSON ? undefined : json;
  } catch {
    return undefined;
  }
}
`;

/**
 * The host's check of the fields JSON an isolate sent: a plain object within the size and depth bounds,
 * or undefined (the line is then logged without fields).
 */
export function parseLogFields(json: unknown): JsonObject | undefined {
  if (typeof json !== "string" || json.length > MAX_LOG_FIELDS_JSON) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  return withinDepth(value, 0) ? (value as JsonObject) : undefined;
}

function withinDepth(value: object, depth: number): boolean {
  for (const item of Object.values(value)) {
    if (typeof item !== "object" || item === null) continue;
    if (depth + 1 >= LOG_FIELD_LIMITS.depth || !withinDepth(item, depth + 1)) return false;
  }
  return true;
}
