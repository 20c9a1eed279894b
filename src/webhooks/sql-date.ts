/** A timestamp column as either driver returns it (a Date, or text from jsonb); undefined for null. */
export function sqlDate(value: unknown): Date | undefined {
  if (value === null || value === undefined) return undefined;
  return value instanceof Date ? value : new Date(String(value));
}
