import type { ConfigSchemaJson, FieldSpecJson } from "../../../gen/patchbay/v1/common_pb.ts";
import { isMissing } from "./fields.ts";

/** A stored schema's connection fields, as proto JSON. */
type ConnectionFields = ConfigSchemaJson["connectionConfig"];

/**
 * Names of fields that decide where requests (and the secrets they carry) go: `baseUrl`, `tokenUrl`,
 * `authorizeUrl`, `serverUri`, `apiEndpoint`, `host`, `subdomain`, …
 */
const DESTINATION_NAME = /(ur[il]|endpoint|host(name)?|domain|origin)$/i;
const ABSOLUTE_URL = /^[a-z][a-z\d+.-]*:\/\//i;

/** The schema marks the field secret: `secret`, or type "secret", which implies it (FieldSpec). */
function isSecretField(field: FieldSpecJson): boolean {
  return field.secret === true || field.type === "secret";
}

/**
 * The field says where requests go: by its name, or because its declared default or placeholder is an
 * absolute URL (the schema has no URL type). A secret is never a destination.
 */
function isDestinationField(key: string, field: FieldSpecJson | undefined): boolean {
  if (field !== undefined && isSecretField(field)) return false;
  if (DESTINATION_NAME.test(key)) return true;
  const examples = [field?.default, field?.placeholder];
  return examples.some((value) => typeof value === "string" && ABSOLUTE_URL.test(value));
}

/**
 * The connector's shared config (an administrator's instance config) sets a secret: a field the schema
 * marks secret, or a value the schema does not declare (counted as a secret, as it is for scrubbing).
 */
export function holdsSecret(fields: ConnectionFields, shared: Readonly<Record<string, unknown>>): boolean {
  const declared = fields ?? {};
  return Object.entries(shared).some(([key, value]) => {
    if (isMissing(value)) return false;
    const field = Object.hasOwn(declared, key) ? declared[key] : undefined;
    return field === undefined || isSecretField(field);
  });
}

/**
 * The connection fields a connection may not set, each with the operator-safe reason (field names only,
 * never a value): every field the connector's shared config (an administrator's instance config) sets,
 * and, when that config holds a secret, every field that decides where requests go. Otherwise a caller
 * who may only connect could point a shared API key or OAuth client at a host of its choosing. A shared
 * value the schema does not declare counts as a secret, as it does for scrubbing.
 */
export function lockedFields(
  fields: ConnectionFields,
  shared: Readonly<Record<string, unknown>>,
): Map<string, string> {
  const declared = fields ?? {};
  const locked = new Map<string, string>();
  for (const [key, value] of Object.entries(shared)) {
    if (!isMissing(value)) locked.set(key, `${key} is set by the connector's config, not by a connection`);
  }
  if (!holdsSecret(fields, shared)) return locked;
  for (const [key, field] of Object.entries(declared)) {
    if (!locked.has(key) && isDestinationField(key, field)) {
      locked.set(
        key,
        `${key} comes only from the connector's config or its default while that config holds a secret`,
      );
    }
  }
  return locked;
}

/**
 * The settings a command runs with, whatever its execution model: the connector's shared config wins
 * over the connection's fields, a connection's value for a field in {@link lockedFields} is dropped
 * (also one stored before the config changed), and fields still empty take their declared defaults (a
 * built-in's default base URL, an OpenAPI document's server URL or flow's token URL).
 */
export function effectiveConfig(
  fields: ConnectionFields,
  shared: Readonly<Record<string, unknown>>,
  connection: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const locked = lockedFields(fields, shared);
  const config: Record<string, unknown> = { ...shared };
  for (const [key, value] of Object.entries(connection)) if (!locked.has(key)) config[key] = value;
  for (const [key, field] of Object.entries(fields ?? {})) {
    if (field.default !== undefined && isMissing(config[key])) config[key] = field.default;
  }
  return config;
}
