/**
 * A copy of a JSON-like value that PostgreSQL can store: every string (keys included) with U+0000
 * and unpaired surrogates replaced by U+FFFD. `text` and `jsonb` refuse both, and a connector's output
 * can hold anything; the request's own fields never get here with either (the edge refuses them).
 */
export function storable<T>(value: T): T {
  return clean(value, 0) as T;
}

function text(value: string): string {
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed();
  return wellFormed.includes("\u0000") ? wellFormed.replaceAll("\u0000", "\ufffd") : wellFormed;
}

function clean(value: unknown, depth: number): unknown {
  if (typeof value === "string") return text(value);
  if (value === null || typeof value !== "object" || depth > 64 || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[text(key)] = clean(item, depth + 1);
  return out;
}
