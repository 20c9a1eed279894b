/** V8's JSON.parse messages that quote the text being parsed: `Unexpected token 'o', "not json" is not valid JSON`. */
const QUOTES_JSON_INPUT = /(?:Unexpected token .*, )?"(?:[^"\\]|\\.)*"(?:\.\.\.)? is not valid JSON/s;

/**
 * Removes the data an engine message can quote from a script error before it leaves the sandbox. A
 * script's own messages are kept (their author needs them); V8's `JSON.parse` errors quote part of the
 * input, which may be an upstream response full of personal data, so that part is replaced.
 */
export function scrubEngineMessage(message: string): string {
  return message.replace(QUOTES_JSON_INPUT, "the text is not valid JSON");
}
