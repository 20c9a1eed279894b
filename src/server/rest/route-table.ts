import type { HttpBinding, TemplateSegment } from "./http-rules.ts";

/** A request matched to a binding, with its path variables (still percent-encoded). */
export interface RouteMatch {
  readonly binding: HttpBinding;
  /** Raw matched text per variable, in template order. */
  readonly values: readonly string[];
}

/** What {@link RouteTable.match} found. */
export type RouteResult =
  | { readonly kind: "match"; readonly match: RouteMatch }
  | { readonly kind: "method-not-allowed"; readonly allow: readonly string[] }
  | { readonly kind: "not-found" };

/** Finds the binding for a method and path. */
export interface RouteTable {
  match(httpMethod: string, path: string): RouteResult;
  /** Every binding, in registration order. */
  readonly bindings: readonly HttpBinding[];
}

// Rank per template segment for choosing among several matching templates: a literal beats a
// wildcard, which beats `**`. Compared left to right, so `/connections/oauth/start` wins over
// `/connections/{id}/…` whatever order the protos declare them in.
const RANK: Record<TemplateSegment["kind"], string> = { literal: "2", wildcard: "1", deep: "0" };

function matchSegments(
  segments: readonly TemplateSegment[],
  parts: readonly string[],
): { ends: number[]; rank: string } | undefined {
  const ends: number[] = []; // for each template segment, the index after the request parts it consumed
  let i = 0;
  for (const segment of segments) {
    if (segment.kind === "deep") {
      i = parts.length;
    } else {
      const part = parts[i];
      if (part === undefined) return undefined;
      if (segment.kind === "literal" && segment.value !== part) return undefined;
      i += 1;
    }
    ends.push(i);
  }
  if (i !== parts.length) return undefined;
  return { ends, rank: segments.map((s) => RANK[s.kind]).join("") };
}

function tryMatch(
  binding: HttpBinding,
  parts: readonly string[],
): { values: string[]; rank: string } | undefined {
  const { template } = binding;
  let candidate = parts;
  if (template.verb !== undefined) {
    const last = parts.at(-1) ?? "";
    const suffix = `:${template.verb}`;
    if (!last.endsWith(suffix)) return undefined;
    const stem = last.slice(0, -suffix.length);
    candidate = stem === "" ? parts.slice(0, -1) : [...parts.slice(0, -1), stem];
  }
  const matched = matchSegments(template.segments, candidate);
  if (matched === undefined) return undefined;
  const values = template.variables.map((v) => {
    const from = v.start === 0 ? 0 : (matched.ends[v.start - 1] ?? 0);
    const to = matched.ends[v.end - 1] ?? from;
    return candidate.slice(from, to).join("/");
  });
  // A template with a verb is more specific than the same path without one.
  return { values, rank: `${matched.rank}${template.verb === undefined ? "0" : "1"}` };
}

/** Splits a request path: drops the query, collapses repeated slashes and a trailing slash. */
export function pathParts(path: string): string[] {
  const q = path.indexOf("?");
  return (q < 0 ? path : path.slice(0, q)).split("/").filter((p) => p !== "");
}

/** Builds the table over every binding. */
export function createRouteTable(bindings: readonly HttpBinding[]): RouteTable {
  return {
    bindings,
    match(httpMethod, path) {
      const parts = pathParts(path);
      let best: { binding: HttpBinding; values: string[]; rank: string } | undefined;
      const allow = new Set<string>();
      for (const binding of bindings) {
        const found = tryMatch(binding, parts);
        if (found === undefined) continue;
        allow.add(binding.httpMethod);
        if (binding.httpMethod !== httpMethod) continue;
        if (best === undefined || found.rank > best.rank) best = { binding, ...found };
      }
      if (best !== undefined) return { kind: "match", match: { binding: best.binding, values: best.values } };
      if (allow.size > 0) return { kind: "method-not-allowed", allow: [...allow].sort() };
      return { kind: "not-found" };
    },
  };
}
