import { decodePointerToken } from "./plan-schema-name.ts";

/** Most `$ref`s a pointer may pass through on its way (`#/components/schemas/A/properties/b`, A a `$ref`). */
export const MAX_REF_HOPS = 8;

/** A region inside another, or a region a `$ref` points at: `at` is the length of the path to it. */
export interface RegionEdge {
  to: number;
  at: number;
}

/** A `$ref` to a region. */
export interface RefEdge extends RegionEdge {
  /**
   * The parser resolves it again at every use instead of once: a `$ref` with other members (it is
   * merged into a new object each time), or one of several spellings of its target (the parser caches
   * by the first).
   */
  uncached: boolean;
}

/**
 * A description cut where its `$ref`s point: region 0 is the root, each other region an object a `$ref`
 * points at. A region's own values stop at the regions inside it.
 */
export interface RefRegions {
  count: number;
  /** Per region, its own values: objects, arrays, strings, numbers, booleans, nulls. */
  values: Float64Array;
  /** Per region, its own objects and arrays. */
  containers: Float64Array;
  /** Per region, the lengths of its own objects' and arrays' paths from its head, summed. */
  pathChars: Float64Array;
  /** Per region, the regions inside it. */
  contains: RegionEdge[][];
  /** Per region, the regions its `$ref`s point at. */
  refers: RefEdge[][];
}

/** The parser's test for a reference it resolves: a `$ref` string that points into this document. */
function internalRef(value: object): string | undefined {
  const ref = (value as { $ref?: unknown }).$ref;
  return typeof ref === "string" && (ref === "#" || ref.startsWith("#/")) ? ref : undefined;
}

/**
 * The object `ref` points at, following the `$ref`s met on the way as the parser does: undefined when it
 * points at nothing (the validator refuses such a document), null when the way passes through more than
 * {@link MAX_REF_HOPS} `$ref`s. The object reached may itself be a `$ref`: its region stands for what it
 * resolves to.
 */
function pointAt(root: object, ref: string, hops: { left: number }): object | undefined | null {
  if (ref === "#") return root;
  let node: unknown = root;
  for (const token of ref.slice(2).split("/")) {
    let via = typeof node === "object" && node !== null ? internalRef(node) : undefined;
    while (via !== undefined) {
      if (--hops.left < 0) return null;
      const next = pointAt(root, via, hops);
      if (next === undefined || next === null) return next;
      if (next === node) return undefined; // a `$ref` to itself
      node = next;
      via = internalRef(next);
    }
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[decodePointerToken(token)];
  }
  return typeof node === "object" && node !== null ? node : undefined;
}

/**
 * Cuts `document` into regions (one walk to find the `$ref`s and what they point at, one walk of each
 * region), or undefined when a `$ref`'s pointer passes through more than 8 other `$ref`s: no real
 * description has one, and it could not be measured this way.
 */
export function findRefRegions(document: object): RefRegions | undefined {
  const heads: object[] = [document];
  const region = new Map<object, number>([[document, 0]]);
  const pointed = new Map<object, number>();
  const resolved = new Map<string, object | undefined>();
  const spelling: string[] = [""];
  const respelled = new Set<number>();
  const stack: object[] = [document];
  for (let value = stack.pop(); value !== undefined; value = stack.pop()) {
    const ref = Array.isArray(value) ? undefined : internalRef(value);
    if (ref !== undefined) {
      let target = resolved.get(ref);
      if (target === undefined && !resolved.has(ref)) {
        const found = pointAt(document, ref, { left: MAX_REF_HOPS });
        if (found === null) return undefined;
        target = found;
        resolved.set(ref, target);
      }
      if (target !== undefined) {
        let to = region.get(target);
        if (to === undefined) {
          to = heads.length;
          region.set(target, to);
          heads.push(target);
          spelling.push(ref);
        } else if (spelling[to] !== ref) respelled.add(to);
        pointed.set(value, to);
      }
    }
    const node = value as Record<string, unknown>;
    for (const key in node) {
      const item = node[key];
      if (typeof item === "object" && item !== null) stack.push(item);
    }
  }

  const count = heads.length;
  const regions: RefRegions = {
    count,
    values: new Float64Array(count),
    containers: new Float64Array(count),
    pathChars: new Float64Array(count),
    contains: [],
    refers: [],
  };
  const walk: object[] = [];
  const lengths: number[] = [];
  for (let at = 0; at < count; at++) {
    const contains: RegionEdge[] = [];
    const refers: RefEdge[] = [];
    let values = 0;
    let containers = 0;
    let pathChars = 0;
    walk.push(heads[at] as object);
    lengths.push(0);
    for (let value = walk.pop(); value !== undefined; value = walk.pop()) {
      const length = lengths.pop() ?? 0;
      values++;
      containers++;
      pathChars += length;
      const to = pointed.get(value);
      let members = 0;
      const node = value as Record<string, unknown>;
      for (const key in node) {
        members++;
        const item = node[key];
        if (typeof item !== "object" || item === null) {
          values++;
          continue;
        }
        // The parser's path to a member: its parent's, a slash, the key.
        const inner = length + 1 + key.length;
        const head = region.get(item);
        if (head === undefined) {
          walk.push(item);
          lengths.push(inner);
        } else contains.push({ to: head, at: inner });
      }
      if (to !== undefined) refers.push({ to, at: length, uncached: members > 1 || respelled.has(to) });
    }
    regions.values[at] = values;
    regions.containers[at] = containers;
    regions.pathChars[at] = pathChars;
    regions.contains.push(contains);
    regions.refers.push(refers);
  }
  return regions;
}
