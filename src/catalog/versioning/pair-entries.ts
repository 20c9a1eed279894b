/** The entries of two records, split into removed names, added entries and entries in both. */
export interface EntryPairs<T> {
  readonly removed: string[];
  readonly added: [string, T][];
  readonly kept: [string, T, T][];
}

/**
 * Pairs up the entries of `previous` and `next` by key, in `previous` order then `next` order. Own keys
 * only, so a field named "constructor" is a field and never Object.prototype's.
 */
export function pairEntries<T>(
  previous: Readonly<Record<string, T>>,
  next: Readonly<Record<string, T>>,
): EntryPairs<T> {
  const before = new Map(Object.entries(previous));
  const after = new Map(Object.entries(next));
  const kept: [string, T, T][] = [];
  for (const [name, value] of before) {
    const nextValue = after.get(name);
    if (nextValue !== undefined) kept.push([name, value, nextValue]);
  }
  return {
    removed: [...before.keys()].filter((name) => !after.has(name)),
    added: [...after].filter(([name]) => !before.has(name)),
    kept,
  };
}
