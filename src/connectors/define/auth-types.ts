/**
 * How a connector's connections authenticate: the values of `auth_type` in the catalog API
 * (`Connector`, `ListConnectorsRequest`) and the external connector contract (`DescribeResponse`).
 * Declared once here; a proto enum would change the wire type of those string fields.
 */
export const AUTH_TYPES = ["oauth", "api_key", "none"] as const;

/** One of {@link AUTH_TYPES}. */
export type AuthType = (typeof AUTH_TYPES)[number];

/** True when `value` is an auth type. */
export function isAuthType(value: string): value is AuthType {
  return (AUTH_TYPES as readonly string[]).includes(value);
}
