const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID (endpoint, job and connection ids), checked before it reaches SQL. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
