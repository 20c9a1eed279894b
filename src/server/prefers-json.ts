interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function parseRange(part: string): MediaRange | undefined {
  const [range = "", ...params] = part.split(";").map((p) => p.trim().toLowerCase());
  const slash = range.indexOf("/");
  if (slash <= 0 || slash === range.length - 1) return undefined;
  let q = 1;
  for (const param of params) {
    if (!param.startsWith("q=")) continue;
    const value = Number(param.slice(2));
    q = Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0;
  }
  return { type: range.slice(0, slash), subtype: range.slice(slash + 1), q };
}

// RFC 9110 §12.5.1: the most specific range that matches a type decides its weight.
function weightOf(ranges: readonly MediaRange[], type: string, subtype: string): number {
  let best = -1;
  let q = 0;
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype
        ? 2
        : range.type === type && range.subtype === "*"
          ? 1
          : range.type === "*" && range.subtype === "*"
            ? 0
            : -1;
    if (specificity > best) {
      best = specificity;
      q = range.q;
    }
  }
  return q;
}

/**
 * True when an `Accept` header weighs `application/json` above `text/html`. A missing header, a wildcard alone or
 * a browser's list (HTML first) is false: a person with a browser gets the page, a client that asks for JSON
 * gets JSON.
 */
export function prefersJson(accept: string | undefined): boolean {
  if (accept === undefined || accept === "") return false;
  const ranges = accept
    .split(",")
    .map(parseRange)
    .filter((r) => r !== undefined);
  return weightOf(ranges, "application", "json") > weightOf(ranges, "text", "html");
}
