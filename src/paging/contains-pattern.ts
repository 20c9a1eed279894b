/**
 * The `ILIKE` pattern that matches text containing `q` as typed: `%`, `_` and `\` in `q` are escaped
 * (PostgreSQL's default escape character is `\`), so a search for `50%` does not match everything.
 */
export function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
