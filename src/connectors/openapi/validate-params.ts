import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { isObject } from "./json-schema.ts";
import type { OperationPlan, ParamPlan } from "./openapi-plan.ts";
import { toAjvSchema } from "./to-ajv-schema.ts";

/** Most problems listed in one INVALID_PARAMS message; the rest are counted. */
export const MAX_PROBLEMS = 20;

interface Check {
  validate: ValidateFunction;
  /** Property names the schema declares: the only object keys a message may repeat. */
  names: Set<string>;
}

// Compiled on first use per operation and param, so a 600-operation plan costs nothing up front;
// keyed by the plan's operation object so a reloaded plan drops its validators with it.
const checks = new WeakMap<OperationPlan, Map<string, Check | null>>();
let shared: Ajv2020 | undefined;

function ajv(): Ajv2020 {
  if (shared === undefined) {
    // strict: false ignores OpenAPI's own keywords (example, xml, discriminator, x-*) and unknown formats;
    // logger: false keeps Ajv from printing about them; unicodeRegExp: false accepts patterns written
    // for other regex engines more often.
    shared = new Ajv2020({ strict: false, allErrors: true, logger: false, unicodeRegExp: false });
    addFormatsModule.default(shared);
  }
  return shared;
}

function declaredNames(schema: unknown, names: Set<string>, depth = 0): Set<string> {
  if (depth > 64) return names;
  if (Array.isArray(schema)) for (const item of schema) declaredNames(item, names, depth + 1);
  else if (isObject(schema)) {
    if (isObject(schema.properties)) for (const key of Object.keys(schema.properties)) names.add(key);
    for (const value of Object.values(schema)) declaredNames(value, names, depth + 1);
  }
  return names;
}

function compile(param: ParamPlan): Check | null {
  if (Object.keys(param.schema).length === 0) return null;
  const schema = toAjvSchema(param.schema) as object;
  const instance = ajv();
  try {
    const validate = instance.compile(schema);
    return { validate, names: declaredNames(param.schema, new Set()) };
  } catch {
    // A schema Ajv cannot compile (an invalid pattern, a malformed keyword) must not fail the call:
    // that param goes unchecked and the upstream API judges it.
    return null;
  } finally {
    // Ajv keeps every compiled schema in its registry; dropping it leaves the plan's cache the only owner.
    instance.removeSchema(schema);
  }
}

function check(operation: OperationPlan, param: ParamPlan): Check | null {
  let byParam = checks.get(operation);
  if (byParam === undefined) {
    byParam = new Map();
    checks.set(operation, byParam);
  }
  let found = byParam.get(param.param);
  if (found === undefined) {
    found = compile(param);
    byParam.set(param.param, found);
  }
  return found;
}

/** `labels/0`, `address/city`; object keys the schema does not declare are user data and become `*`. */
function field(param: string, error: ErrorObject, names: Set<string>): string {
  const segments = error.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((s) => (/^\d+$/.test(s) || names.has(s) ? s : "*"));
  return [param, ...segments].join("/");
}

function problems(param: string, errors: ErrorObject[], names: Set<string>): string[] {
  // An anyOf/oneOf failure already says no branch matched; each branch's own errors are noise.
  const branches = errors
    .filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf")
    .map((e) => `${e.schemaPath}/`);
  return errors
    .filter((e) => !branches.some((prefix) => e.schemaPath.startsWith(prefix)))
    .map((e) => {
      // Ajv's messages quote the schema (limits, patterns, formats), never the value.
      const rule = e.keyword === "enum" ? "must be one of the allowed values" : (e.message ?? "is invalid");
      return `${field(param, e, names)} ${rule}`;
    });
}

/**
 * Checks each given param against its JSON Schema and returns one line per failing field and rule
 * (`limit must be <= 100`, `labels/0 must be string`), without values; empty when all pass.
 */
export function validateParams(operation: OperationPlan, params: Record<string, unknown>): string[] {
  const found = new Set<string>();
  for (const param of operation.params) {
    const value = params[param.param];
    if (value === undefined) continue;
    const compiled = check(operation, param);
    if (compiled === null || compiled.validate(value)) continue;
    for (const line of problems(param.param, compiled.validate.errors ?? [], compiled.names)) found.add(line);
  }
  const lines = [...found];
  if (lines.length <= MAX_PROBLEMS) return lines;
  return [...lines.slice(0, MAX_PROBLEMS), `and ${lines.length - MAX_PROBLEMS} more`];
}
