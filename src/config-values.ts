import { z } from "zod";

// How settings are read from the environment, shared by `loadConfig` and the features' own setting
// readers (src/tracing): a bad value is one line naming the variable, never echoing a secret.

/** A setting that failed validation; the message is one line naming the variable and what is allowed. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The environment settings are read from. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A whole number from `min` to `max`. */
export const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be a whole number from ${min} to ${max}`);

/** An http:// or https:// URL, without trailing slashes. */
export const httpUrl = z
  .string()
  .refine(
    (v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol),
    "must be an http:// or https:// URL",
  )
  .transform((v) => v.replace(/\/+$/, ""));

/** Variables whose values are secrets: a bad one is named, never shown. */
const SECRET_VARS = new Set([
  "DATABASE_URL",
  "PATCHBAY_MASTER_KEY",
  "PATCHBAY_ADMIN_KEY",
  // Export headers carry tokens.
  "OTEL_EXPORTER_OTLP_HEADERS",
  "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
]);

/** The variable `name` parsed with `schema`; undefined when unset or empty; ConfigError when malformed. */
export function read<T>(env: Env, name: string, schema: z.ZodType<T, string>): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const reason = result.error.issues[0]?.message ?? "is not valid";
  const shown = SECRET_VARS.has(name) ? "" : ` (got ${JSON.stringify(raw.slice(0, 80))})`;
  throw new ConfigError(`${name} ${reason}${shown}`);
}
