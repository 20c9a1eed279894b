/**
 * Lengths already measured, by object: an import's plan shares objects (a `$ref` pointer, a schema
 * copied once), and each is measured once however often it appears.
 */
export type JsonLengthMemo = WeakMap<object, number>;

/**
 * The length of `JSON.stringify(value)` for plain JSON data (what imports build: objects, arrays,
 * strings, numbers, booleans, null; `undefined` object members are left out, as JSON.stringify does),
 * without building the string. A value that appears in many places counts every time, as it would be
 * written, but is walked once: measuring a plan whose JSON would be gigabytes costs as much as
 * measuring its distinct objects, so an import can refuse it before serialising it.
 */
export function jsonLength(value: unknown, memo: JsonLengthMemo = new WeakMap()): number {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value).length;
    case "number":
      return Number.isFinite(value) ? String(value).length : 4;
    case "boolean":
      return value ? 4 : 5;
    case "object":
      break;
    default:
      return 0;
  }
  if (value === null) return 4;
  const known = memo.get(value);
  if (known !== undefined) return known;
  let length = 2;
  if (Array.isArray(value)) {
    for (const item of value) length += (item === undefined ? 4 : jsonLength(item, memo)) + 1;
    if (value.length > 0) length--;
  } else {
    let members = 0;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
      length += JSON.stringify(key).length + 1 + jsonLength(item, memo) + 1;
      members++;
    }
    if (members > 0) length--;
  }
  memo.set(value, length);
  return length;
}
