import { Code, ConnectError } from "@connectrpc/connect";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID (endpoint, job and connection ids), checked before it reaches SQL. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The request field `name`'s UUID in lower case (as stored); `INVALID_ARGUMENT` when it is not one. */
export function requireUuid(name: string, value: string): string {
  if (!isUuid(value)) throw new ConnectError(`${name}: must be a UUID`, Code.InvalidArgument);
  return value.toLowerCase();
}
