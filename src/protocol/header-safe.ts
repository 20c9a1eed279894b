/** Longest header value the server writes from a message; the body or record keeps the whole text. */
const MAX_HEADER_CHARS = 200;

/**
 * Makes text safe as a header value: one line of printable ASCII (anything else becomes a space: Node and
 * gRPC metadata refuse other characters, and a "…" once turned every long REST error into a 500), at most
 * 200 characters, ending in "..." when cut.
 */
export function headerSafe(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]+/g, " ").trim();
  return clean.length > MAX_HEADER_CHARS ? `${clean.slice(0, MAX_HEADER_CHARS - 3)}...` : clean;
}
