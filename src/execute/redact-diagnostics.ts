// Keys whose values are secrets or personal data wherever they appear in connector diagnostics.
const SENSITIVE =
  /pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential|e-?mail|phone|mobile|ssn|address|birth|^name$|first_?name|last_?name|full_?name/i;
const MAX_STRING = 500;
const MAX_DEPTH = 6;

/**
 * Diagnostics as stored and returned: values under sensitive keys replaced, long strings cut, deep
 * structures flattened. Operators read them; they must never become a copy of secrets or personal data.
 */
export function redactDiagnostics(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[truncated]";
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactDiagnostics(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>).slice(0, 100)) {
    out[key] = SENSITIVE.test(key) ? "[redacted]" : redactDiagnostics(v, depth + 1);
  }
  return out;
}
