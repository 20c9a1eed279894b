/** Most warnings an import returns; the rest are counted in a final one. */
export const MAX_WARNINGS = 500;

const MORE_WARNINGS = /^(\d+) more warnings not shown$/;

/** The final warning of an import that made `dropped` more than {@link MAX_WARNINGS}. */
export function moreWarnings(dropped: number): string {
  return `${dropped} more warnings not shown`;
}

/**
 * How many warnings an import made: those returned, plus the ones its final {@link moreWarnings} line
 * counts (that line is not a warning itself).
 */
export function warningTotal(warnings: readonly string[]): number {
  const more = MORE_WARNINGS.exec(warnings.at(-1) ?? "");
  return more === null ? warnings.length : warnings.length - 1 + Number(more[1]);
}
