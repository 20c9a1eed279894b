import { findRefRegions, type RefRegions } from "./ref-regions.ts";

/**
 * Characters of path that weigh as much as one value. The parser builds the JSON Pointer of every
 * object and array it walks, copying its parent's: counted without the paths, a description whose
 * 2,000-character keys nest 20 deep costs ten times more a value than others. Counted this way, the
 * descriptions measured (bench/README.md: published ones, and ones made to be slow) cost 0.3 to 0.5 µs
 * a unit to dereference and validate on an idle machine, whatever their shape.
 */
export const PATH_CHARS_PER_VALUE = 1_000;

/**
 * Which regions lead back to themselves (through the regions inside them or their `$ref`s), or into a
 * region that does: the parser (`circular: "ignore"`) leaves every `$ref` to such a region as it is.
 */
function leadingToCycles(regions: RefRegions): Uint8Array {
  const { count, contains, refers } = regions;
  const cyclic = new Uint8Array(count);
  const state = new Uint8Array(count); // 0 not reached, 1 on the path, 2 done
  const edges = (at: number): number[] => [
    ...(contains[at] ?? []).map((edge) => edge.to),
    ...(refers[at] ?? []).map((edge) => edge.to),
  ];
  const path: number[] = [0];
  const lists: number[][] = [edges(0)];
  const next: number[] = [0];
  state[0] = 1;
  while (path.length > 0) {
    const top = path.length - 1;
    const at = path[top] as number;
    const list = lists[top] as number[];
    const index = next[top] as number;
    if (index < list.length) {
      next[top] = index + 1;
      const to = list[index] as number;
      if (state[to] === 1) cyclic[at] = 1;
      else if (state[to] === 2) cyclic[at] ||= cyclic[to] as number;
      else {
        state[to] = 1;
        path.push(to);
        lists.push(edges(to));
        next.push(0);
      }
      continue;
    }
    state[at] = 2;
    path.pop();
    lists.pop();
    next.pop();
    const parent = path.at(-1);
    if (parent !== undefined) cyclic[parent] ||= cyclic[at] as number;
  }
  return cyclic;
}

/**
 * The work of dereferencing and validating `document` with @readme/openapi-parser, counted, never
 * timed: the values the parser and Ajv walk (every object, array, string, number, boolean and null,
 * a schema counted once per place a `$ref` puts it), plus one per {@link PATH_CHARS_PER_VALUE}
 * characters of the paths to its objects and arrays. A `$ref` whose target leads back to itself
 * stays a `$ref` (one object), as the parser leaves it; one the parser resolves again at every use (a
 * `$ref` with other members, a target spelled several ways) counts once per path the parser explores
 * through the targets that lead back to themselves.
 *
 * Nothing is expanded: each region (ref-regions.ts) is measured once, and its expanded size computed
 * once from the regions it contains and points at, so a 5 KB description whose schemas each reference
 * the next one twice (2^40 values once expanded) is measured in time linear in its size. Answers a
 * number above `limit` as soon as the work is known to pass it, and `Infinity` when the description
 * cannot be measured (a `$ref` whose pointer passes through more than 8 others).
 */
export function measureExpansion(document: object, limit: number): number {
  const regions = findRefRegions(document);
  if (regions === undefined) return Number.POSITIVE_INFINITY;
  const { count, contains, refers } = regions;
  const cyclic = leadingToCycles(regions);

  // Each region expanded: what it holds and, in place of each `$ref` the parser resolves, its target
  // expanded (less the `$ref` object and string). Leaving out the `$ref`s it keeps, these form no cycle.
  const values = new Float64Array(count);
  const containers = new Float64Array(count);
  const pathChars = new Float64Array(count);
  /** Work of a region walked where it stands, the regions inside it that lead back to themselves left out. */
  const own = new Float64Array(count);
  const state = new Uint8Array(count); // 0 not reached, 1 waiting for what it needs, 2 done
  const order: number[] = [0];
  while (order.length > 0) {
    const at = order.at(-1) as number;
    if (state[at] === 2) {
      order.pop();
      continue;
    }
    const inside = contains[at] ?? [];
    const refs = (refers[at] ?? []).filter((edge) => cyclic[edge.to] === 0);
    if (state[at] === 0) {
      state[at] = 1;
      for (const edge of [...inside, ...refs]) if (state[edge.to] === 0) order.push(edge.to);
      continue;
    }
    order.pop();
    let v = regions.values[at] as number;
    let c = regions.containers[at] as number;
    let p = regions.pathChars[at] as number;
    for (const { to, at: length } of refs) {
      v += (values[to] as number) - 2;
      c += (containers[to] as number) - 1;
      p += (pathChars[to] as number) + length * ((containers[to] as number) - 1);
    }
    own[at] = v + p / PATH_CHARS_PER_VALUE;
    for (const { to, at: length } of inside) {
      v += values[to] as number;
      c += containers[to] as number;
      p += (pathChars[to] as number) + length * (containers[to] as number);
      if (cyclic[to] === 0) own[at] = (own[at] as number) + (own[to] as number);
    }
    values[at] = v;
    containers[at] = c;
    pathChars[at] = p;
    state[at] = 2;
    // Every region lies inside the root's: none is larger than the whole.
    const work = v + p / PATH_CHARS_PER_VALUE;
    if (work > limit) return work;
  }
  let total = (values[0] as number) + (pathChars[0] as number) / PATH_CHARS_PER_VALUE;

  // The parser walks a region that leads back to itself again for each `$ref` it resolves anew, and
  // once for the first `$ref` it caches; each such walk follows the `$ref`s it resolves anew in turn,
  // on every path that does not come back to a region already on it. Walked here the same way, up to
  // the limit: the sum of such paths can grow exponentially.
  const onPath = new Uint8Array(count);
  const explore = (from: number, seed: number): void => {
    if (from === seed) {
      total += 1; // a `$ref` to the region it is in: met again at once
      return;
    }
    const path: number[] = [];
    const next: number[] = [];
    const enter = (at: number): void => {
      total += own[at] as number;
      onPath[at] = 1;
      path.push(at);
      next.push(0);
    };
    if (seed >= 0) onPath[seed] = 1;
    enter(from);
    while (path.length > 0 && total <= limit) {
      const top = path.length - 1;
      const at = path[top] as number;
      const inside = contains[at] ?? [];
      const refs = refers[at] ?? [];
      const index = next[top] as number;
      next[top] = index + 1;
      // The regions inside it first, then the targets of its `$ref`s resolved anew.
      const inner = inside[index];
      const ref = inner === undefined ? refs[index - inside.length] : undefined;
      if (inner !== undefined || ref !== undefined) {
        const to = inner?.to ?? (ref?.uncached ? ref.to : -1);
        if (to < 0 || cyclic[to] === 0) continue;
        if (onPath[to] === 1) total += 1;
        else enter(to);
        continue;
      }
      onPath[at] = 0;
      path.pop();
      next.pop();
    }
    for (const at of path) onPath[at] = 0;
    if (seed >= 0) onPath[seed] = 0;
  };
  const cachedTargets = new Set<number>();
  for (let at = 0; at < count && total <= limit; at++) {
    if (cyclic[at] === 0) continue;
    for (const edge of refers[at] ?? []) {
      if (total > limit || cyclic[edge.to] === 0) continue;
      if (edge.uncached) explore(edge.to, at);
      else cachedTargets.add(edge.to);
    }
  }
  for (const at of cachedTargets) if (total <= limit) explore(at, -1);
  return total;
}
