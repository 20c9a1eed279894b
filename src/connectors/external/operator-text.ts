/** Longest operator-safe failure text Patchbay keeps from an external connector (issue 6: length-capped). */
export const MAX_OPERATOR_TEXT = 200;

/**
 * Makes `text` fit for a log line and an HTTP header value: control and non-ASCII characters become
 * `?` (header values are bytes; Node and fetch reject or mangle anything else), runs of whitespace
 * collapse, and the result is cut at {@link MAX_OPERATOR_TEXT} characters.
 */
export function operatorText(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .replace(/[^\x20-\x7e]/g, "?")
    .trim()
    .slice(0, MAX_OPERATOR_TEXT);
}
