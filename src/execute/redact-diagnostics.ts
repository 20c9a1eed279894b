// Keys whose values are secrets or personal data wherever they appear in connector diagnostics. The
// execution's own secrets are already scrubbed by value (run-command.ts); this is the second net, for
// what a connector puts under a telling name (authHeader, contact, signature, ...).
const SENSITIVE =
  /pass(word|phrase)?|secret|token|api[-_]?key|auth|cookie|credential|session|signature|private|e-?mail|phone|mobile|contact|ssn|address|birth|^name$|first_?name|last_?name|full_?name|user_?name|account/i;
// Email addresses in free text (provider error messages quote them back).
const EMAIL = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;
const MAX_STRING = 500;
const MAX_DEPTH = 6;

/**
 * Diagnostics as stored and returned: values under sensitive keys replaced, long strings cut, deep
 * structures flattened. Operators read them; they must never become a copy of secrets or personal data.
 */
export function redactDiagnostics(value: unknown, depth = 0): unknown {
  if (typeof value === "string") {
    const text = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
    return text.replace(EMAIL, "[email]");
  }
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[truncated]";
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactDiagnostics(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>).slice(0, 100)) {
    out[key] = SENSITIVE.test(key) ? "[redacted]" : redactDiagnostics(v, depth + 1);
  }
  return out;
}
