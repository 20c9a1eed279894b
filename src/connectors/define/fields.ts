/**
 * The kinds of field a connection config or command param can be: the values of `FieldSpec.type`
 * (patchbay.v1 and patchbay.connector.v1), declared once here.
 */
export const FIELD_KINDS = ["string", "secret", "number", "boolean", "date", "select", "raw"] as const;

/** One of {@link FIELD_KINDS}. */
export type FieldKind = (typeof FIELD_KINDS)[number];

/** True when `value` names a field kind. */
export function isFieldKind(value: string): value is FieldKind {
  return (FIELD_KINDS as readonly string[]).includes(value);
}

/** Options every field builder takes. */
export interface FieldOptions<T> {
  /** The value must be present (not undefined, null or ""); the dispatcher reports missing ones by name. */
  readonly required?: boolean;
  /** Used when the caller omits the value. */
  readonly default?: T;
  /** One line of help text. */
  readonly description?: string;
  /** Form label; the key is shown when absent. */
  readonly label?: string;
  /** Example shown in an empty form field; never used as a value. */
  readonly placeholder?: string;
}

/**
 * A described field. `T` is the value type; `Present` is true when the handler always gets a value
 * (required, or defaulted: the dispatcher applies defaults before the handler runs).
 */
export interface FieldDef<T = unknown, Present extends boolean = boolean> {
  readonly kind: FieldKind;
  readonly required: boolean;
  readonly default: T | undefined;
  readonly description: string | undefined;
  readonly label: string | undefined;
  readonly placeholder: string | undefined;
  /** Allowed values of a `select` field. */
  readonly options: readonly string[] | undefined;
  /** Type-only brand carrying `T` and `Present`; never set at run time. */
  readonly "~type"?: { value: T; present: Present };
}

/** A field map: connection config or command params. */
export type FieldMap = Readonly<Record<string, FieldDef>>;

type PresentOf<O> = O extends { required: true } ? true : O extends { default: unknown } ? true : false;

/** The value a handler sees for one field: `T`, or `T | undefined` when it may be absent. */
export type FieldValue<F> =
  F extends FieldDef<infer T, infer P> ? (P extends true ? T : T | undefined) : never;

/** The handler's typed `params` for a field map. */
export type InferFields<M extends FieldMap> = { -readonly [K in keyof M]: FieldValue<M[K]> };

function make<T, O extends FieldOptions<T>>(
  kind: FieldKind,
  options: O | undefined,
  values?: readonly string[],
) {
  return {
    kind,
    required: options?.required ?? false,
    default: options?.default,
    description: options?.description,
    label: options?.label,
    placeholder: options?.placeholder,
    options: values,
  } as FieldDef<T, PresentOf<O>>;
}

// Overloads: once `T` is written out (`t.raw<Shape>(…)`) TypeScript stops inferring the options type, so
// presence is decided by overload instead.
function raw<T = unknown>(options: FieldOptions<T> & { required: true }): FieldDef<T, true>;
function raw<T = unknown>(options: FieldOptions<T> & { default: T }): FieldDef<T, true>;
function raw<T = unknown>(options?: FieldOptions<T>): FieldDef<T, false>;
function raw<T>(options?: FieldOptions<T>): FieldDef<T, boolean> {
  return make<T, FieldOptions<T>>("raw", options);
}

/** Field builders: `t.string({ required: true })`, `t.select(["a", "b"], { default: "a" })`, … */
export const t = {
  /** Text. */
  string: <const O extends FieldOptions<string>>(options?: O) => make<string, O>("string", options),
  /** Text stored encrypted, redacted in logs and never returned (API keys, passwords). */
  secret: <const O extends FieldOptions<string>>(options?: O) => make<string, O>("secret", options),
  /** A finite number. */
  number: <const O extends FieldOptions<number>>(options?: O) => make<number, O>("number", options),
  /** true or false. */
  boolean: <const O extends FieldOptions<boolean>>(options?: O) => make<boolean, O>("boolean", options),
  /** An RFC 3339 date or date-time, as text. */
  date: <const O extends FieldOptions<string>>(options?: O) => make<string, O>("date", options),
  /** One of `values`. */
  select: <const V extends readonly [string, ...string[]], const O extends FieldOptions<V[number]>>(
    values: V,
    options?: O,
  ) => make<V[number], O>("select", options, values),
  /** Any JSON value; `T` documents its expected shape. */
  raw,
};

/** `2026-01-31` or `2026-01-31T12:00:00Z` / `…+02:00`, with optional fractional seconds. */
const RFC3339_DATE = /^\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d))?$/i;

/**
 * Why a value does not fit a field of this type (and, for `select`, these options), or undefined when it
 * does. Shared by the dispatcher (params) and the catalog and connections (stored schemas), so every
 * model checks values the same way. Messages name the rule, never the value.
 */
export function valueProblem(
  type: string,
  options: readonly string[] | undefined,
  value: unknown,
): string | undefined {
  switch (type) {
    case "string":
    case "secret":
      return typeof value === "string" ? undefined : "must be a string";
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "must be a number";
    case "boolean":
      return typeof value === "boolean" ? undefined : "must be true or false";
    case "date":
      return typeof value === "string" && RFC3339_DATE.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : "must be an RFC 3339 date";
    case "select":
      return typeof value === "string" && (options ?? []).includes(value)
        ? undefined
        : `must be one of ${(options ?? []).join(", ")}`;
    default:
      return undefined;
  }
}

/** Why a value does not fit a field, or undefined when it does. */
export function fieldProblem(field: FieldDef, value: unknown): string | undefined {
  return valueProblem(field.kind, field.options, value);
}

/** True when a required field counts as missing. */
export function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}
