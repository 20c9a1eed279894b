/**
 * Whether a JSON value nests objects and arrays more than `levels` deep, the value itself being the
 * first level when it is one. The walk goes no deeper than `levels + 1`: a value nested past what the
 * stack allows (a JSON body of a million `[`) is measured without overflowing it.
 */
export function nestsDeeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (levels <= 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (nestsDeeperThan(item, levels - 1)) return true;
    return false;
  }
  const object = value as Record<string, unknown>;
  for (const key in object) if (nestsDeeperThan(object[key], levels - 1)) return true;
  return false;
}
