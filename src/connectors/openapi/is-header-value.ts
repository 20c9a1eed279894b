/**
 * Whether text can travel as an HTTP header value: no control characters (CR and LF would split the
 * header) and nothing beyond Latin-1, which undici would silently mangle.
 */
export function isHeaderValue(text: string): boolean {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(text);
}
